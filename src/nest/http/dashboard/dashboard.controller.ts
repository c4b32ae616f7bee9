import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Inject,
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
import type { WorkflowDefinition } from '../../../core/definition/definition-types';
import { WorkflowNotFoundError } from '../../../core/errors';
import type { WorkflowRegistry } from '../../../core/registry';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../../core/types';
import { WORKFLOW_REGISTRY } from '../../workflow-runtime.providers';
import { WorkflowService } from '../../workflow.service';
import type { ResolvedHttpOptions } from '../http.options';
import { dashboardContentSecurityPolicy } from '../security-headers';
import { SecurityHeadersInterceptor } from '../security-headers.interceptor';
import { WorkflowHttpExceptionFilter } from '../workflow-http-exception.filter';
import { guarded } from '../workflows.controller';
import {
  executionDetail,
  notFound,
  overview,
  page,
  workflowNotFound,
  workflowPage,
  type Tally,
} from './dashboard-pages';
import { countByWorkflowAndStatus } from './count-executions';
import { SEARCH_MAX_LENGTH, searchExecutions } from './execution-search';
import type { Workers } from './workers-notice';
import { FreshQuery } from './fresh-query';
import { withEventWait } from './event-wait';
import { retryForkExtras } from './retry-fork-extras';

/** Executions the overview counts when the store can't count, and those it lists. */
const SAMPLED = 1000;
const LISTED = 100;
/** Newest executions a workflow's page lists. */
const RECENT = 20;

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
      @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    ) {
      this.tallies = new FreshQuery(() => this.tally(), 500);
    }

    @Get()
    @Header('content-type', 'text/html; charset=utf-8')
    async overview(
      @Query('workflowId') workflowId: string | undefined,
      @Query('status') status: string | undefined,
      @Query('before') before: string | undefined,
      @Query('q') q: string | undefined,
      @Query('fragment') fragment: string | undefined,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<string> {
      if (status && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) {
        throw new BadRequestException(
          `status "${status}" is not one of ${EXECUTION_STATUSES.join(', ')}`,
        );
      }
      const text = q?.trim() || undefined;
      if (text && text.length > SEARCH_MAX_LENGTH) {
        throw new BadRequestException(
          `q is ${text.length} characters long; search with at most ${SEARCH_MAX_LENGTH}`,
        );
      }
      const filters = {
        workflowId: workflowId || undefined,
        status: (status || undefined) as ExecutionStatus | undefined,
        before: before || undefined,
        q: text,
      };
      const [listed, search, tally, workers] = await Promise.all([
        text ? [] : this.workflows.find({ ...filters, limit: LISTED }),
        text ? searchExecutions(this.workflows, { ...filters, text }) : undefined,
        // The list is still worth showing when the counts fail; the page says why they are missing.
        this.tallies.get().catch((error: unknown): Tally => {
          const reason = error instanceof Error ? error.message : String(error);
          this.logger.warn(`Dashboard counts failed: ${reason}`);
          return { counts: [], failure: reason };
        }),
        this.workers(),
      ]);
      const main = overview(
        apiPath,
        {
          ...tally,
          workersAlive: workers.mode === 'queue' ? workers.alive : null,
          workersFailure: workers.mode === 'unknown' ? workers.reason : undefined,
        },
        listed,
        filters,
        listed.length === LISTED,
        { search, registered: this.registry.ids() },
      );
      return String(fragment ? main : page('Workflows', apiPath, main, this.nonceFor(response)));
    }

    @Get('workflows/:workflowId')
    @Header('content-type', 'text/html; charset=utf-8')
    async workflow(
      @Param('workflowId') workflowId: string,
      @Query('version') version: string | undefined,
      @Query('fragment') fragment: string | undefined,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<string> {
      const definition = this.definition(workflowId, version || undefined);
      const main = definition
        ? workflowPage(
            apiPath,
            definition,
            this.registry.versions(workflowId),
            await this.workflows.find({ workflowId, limit: RECENT }),
          )
        : workflowNotFound(workflowId, version || undefined);
      return String(
        fragment ? main : page(`Workflow ${workflowId}`, apiPath, main, this.nonceFor(response)),
      );
    }

    /** A loaded workflow version; null when this process has none by that id and version. */
    private definition(workflowId: string, version?: string): WorkflowDefinition | null {
      try {
        return this.registry.get(workflowId, version);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    }

    /** Worker processes, or why they could not be counted. */
    private async workers(): Promise<Workers> {
      try {
        const alive = await this.workflows.workersAlive();
        return alive === null ? { mode: 'in-process' } : { mode: 'queue', alive };
      } catch (error) {
        return { mode: 'unknown', reason: error instanceof Error ? error.message : String(error) };
      }
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
        ? executionDetail(execution, await this.workflows.entries(id), {
            apiPath,
            definition: this.definition(execution.workflowId, execution.workflowVersion),
            workers: await this.workers(),
            ...withEventWait(retryForkExtras(execution, apiPath), execution),
          })
        : notFound(id);
      return String(
        fragment ? main : page(`Execution ${id}`, apiPath, main, this.nonceFor(response), id),
      );
    }
  }
  return DashboardController;
}
