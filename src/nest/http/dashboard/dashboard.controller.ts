import { Controller, Get, Header, Param, Query, UseFilters, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../../core/types';
import { WorkflowService } from '../../workflow.service';
import type { ResolvedHttpOptions } from '../http.options';
import { WorkflowHttpExceptionFilter } from '../workflow-http-exception.filter';
import { guarded } from '../workflows.controller';
import { executionDetail, notFound, overview, page } from './dashboard-pages';

/** Executions the overview counts, and those it lists. */
const RECENT = 1000;
const LISTED = 100;

/** The dashboard's pages under `/{path}/dashboard`; `?fragment=1` answers the `<main>` alone. */
export function createDashboardController(options: ResolvedHttpOptions): Type<unknown> {
  const apiPath = `/${options.path}`;

  @ApiExcludeController()
  @Controller(`${options.path}/dashboard`)
  @guarded(options)
  @UseFilters(WorkflowHttpExceptionFilter)
  class DashboardController {
    constructor(private readonly workflows: WorkflowService) {}

    @Get()
    @Header('content-type', 'text/html; charset=utf-8')
    async overview(
      @Query('workflowId') workflowId?: string,
      @Query('status') status?: string,
      @Query('fragment') fragment?: string,
    ): Promise<string> {
      const filters = {
        workflowId: workflowId || undefined,
        status: EXECUTION_STATUSES.includes(status as ExecutionStatus)
          ? (status as ExecutionStatus)
          : undefined,
      };
      const recent = await this.workflows.find({ limit: RECENT });
      // Unfiltered, the list is the head of what the counts read: no second query.
      const listed =
        filters.workflowId || filters.status
          ? await this.workflows.find({ ...filters, limit: LISTED })
          : recent.slice(0, LISTED);
      const main = overview(apiPath, recent, listed, filters);
      return String(fragment ? main : page('Workflows', apiPath, main));
    }

    @Get('executions/:id')
    @Header('content-type', 'text/html; charset=utf-8')
    async execution(
      @Param('id') id: string,
      @Query('fragment') fragment?: string,
    ): Promise<string> {
      const execution = await this.workflows.get(id);
      const main = execution
        ? executionDetail(execution, await this.workflows.entries(id))
        : notFound(id);
      return String(fragment ? main : page(`Execution ${id}`, apiPath, main, id));
    }
  }
  return DashboardController;
}
