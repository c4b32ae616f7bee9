import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Logger,
  Param,
  Query,
  Res,
  UseFilters,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { ApiExcludeController } from '../openapi';
import { HttpAdapterHost } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../../core/types';
import { WorkflowService } from '../../workflow.service';
import type { ResolvedHttpOptions } from '../http.options';
import { dashboardContentSecurityPolicy } from '../security-headers';
import { SecurityHeadersInterceptor } from '../security-headers.interceptor';
import { WorkflowHttpExceptionFilter } from '../workflow-http-exception.filter';
import { guarded } from '../workflows.controller';
import { executionDetail, notFound, overview, page, type Tally } from './dashboard-pages';
import { countByWorkflowAndStatus } from './count-executions';
import { FreshQuery } from './fresh-query';

/** Executions the overview counts when the store can't count, and those it lists. */
const SAMPLED = 1000;
const LISTED = 100;

/** The dashboard's pages under `/{path}/dashboard`; `?fragment=1` answers the `<main>` alone. */
export function createDashboardController(options: ResolvedHttpOptions): Type<unknown> {
  const apiPath = `/${options.path}`;

  @ApiExcludeController()
  @Controller(`${options.path}/dashboard`)
  @guarded(options)
  @UseFilters(WorkflowHttpExceptionFilter)
  @UseInterceptors(SecurityHeadersInterceptor)
  class DashboardController {
    private readonly tallies: FreshQuery<Tally>;
    private readonly logger = new Logger('DurableWorkflow');

    constructor(
      private readonly workflows: WorkflowService,
      private readonly adapterHost: HttpAdapterHost,
    ) {
      this.tallies = new FreshQuery(() => this.tally(), 500);
    }

    @Get()
    @Header('content-type', 'text/html; charset=utf-8')
    async overview(
      @Query('workflowId') workflowId: string | undefined,
      @Query('status') status: string | undefined,
      @Query('before') before: string | undefined,
      @Query('fragment') fragment: string | undefined,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<string> {
      if (status && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) {
        throw new BadRequestException(
          `status "${status}" is not one of ${EXECUTION_STATUSES.join(', ')}`,
        );
      }
      const filters = {
        workflowId: workflowId || undefined,
        status: (status || undefined) as ExecutionStatus | undefined,
        before: before || undefined,
      };
      const [listed, tally, workersAlive] = await Promise.all([
        this.workflows.find({ ...filters, limit: LISTED }),
        // The list is still worth showing when the counts fail; the page says why they are missing.
        this.tallies.get().catch((error: unknown): Tally => {
          const reason = error instanceof Error ? error.message : String(error);
          this.logger.warn(`Dashboard counts failed: ${reason}`);
          return { counts: [], failure: reason };
        }),
        this.workflows.workersAlive().catch(() => null),
      ]);
      const main = overview(
        apiPath,
        { ...tally, workersAlive },
        listed,
        filters,
        listed.length === LISTED,
      );
      return String(fragment ? main : page('Workflows', apiPath, main, this.nonceFor(response)));
    }

    /** A nonce for this page's script and style, with the policy that lets only them run. */
    private nonceFor(response: unknown): string {
      const nonce = randomBytes(16).toString('base64');
      this.adapterHost.httpAdapter.setHeader(
        response,
        'Content-Security-Policy',
        dashboardContentSecurityPolicy(nonce),
      );
      return nonce;
    }

    /** Counts from the store; from the newest executions when it can't count (and says so). */
    private async tally(): Promise<Tally> {
      const counts = await this.workflows.countExecutions();
      if (counts) return { counts };
      const newest = await this.workflows.find({ limit: SAMPLED });
      return { counts: countByWorkflowAndStatus(newest), sampled: newest.length };
    }

    @Get('executions/:id')
    @Header('content-type', 'text/html; charset=utf-8')
    async execution(
      @Param('id') id: string,
      @Query('fragment') fragment: string | undefined,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<string> {
      const execution = await this.workflows.get(id);
      const main = execution
        ? executionDetail(execution, await this.workflows.entries(id), apiPath)
        : notFound(id);
      return String(
        fragment ? main : page(`Execution ${id}`, apiPath, main, this.nonceFor(response), id),
      );
    }
  }
  return DashboardController;
}
