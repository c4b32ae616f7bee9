import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotImplementedException,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  UseFilters,
  UseGuards,
  UseInterceptors,
  ValidationPipe,
  type MessageEvent,
  type Type,
} from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from './openapi';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { deserializeError } from '../../core/error-serialization';
import { ExecutionNotFoundError } from '../../core/errors';
import type { Entry } from '../../core/types';
import type { ExecutionCount } from '../../core/store/workflow-store';
import { WorkflowService } from '../workflow.service';
import {
  ErrorResponse,
  ExecutionCountResponse,
  FindExecutionsQuery,
  ForkExecutionBody,
  ResumeExecutionBody,
  SendEventBody,
  SendEventResponse,
  RetryFailedBody,
  RetryFailedResponse,
  StartExecutionBody,
} from './execution.dto';
import type { ResolvedHttpOptions } from './http.options';
import { EventStreams, principalOf } from './event-streams';
import { listExecutions } from './execution-list';
import {
  EXECUTION_VALUES,
  executionView,
  type ExecutionSummary,
  type ExecutionValue,
  type ExecutionView,
} from './execution-views';
import { JsonBodyGuard } from './json-body.guard';
import { SecurityHeadersInterceptor } from './security-headers.interceptor';
import { RequestBodyPipe } from './request-body.pipe';
import { WorkflowHttpExceptionFilter } from './workflow-http-exception.filter';

/** Applies the application's guards, when it gave any. */
export function guarded(options: ResolvedHttpOptions): ClassDecorator {
  return options.guards.length > 0 ? UseGuards(...options.guards) : () => undefined;
}

const startBodyPipe = new RequestBodyPipe(['input']);
const resumeBodyPipe = new RequestBodyPipe(['response']);
const sendEventBodyPipe = new RequestBodyPipe(['payload']);
const envelopeBodyPipe = new RequestBodyPipe([]);
/** Queries may carry what a guard reads (`?key=`): unknown parameters are dropped, not refused. */
const queryPipe = new ValidationPipe({ whitelist: true, transform: true });

/** An entry as the API shows it: its error's name and message, never a stack or a driver's cause. */
function publicEntry(entry: Entry): Entry {
  if (entry.error === null) return entry;
  const { name, message } = deserializeError(entry.error);
  return { ...entry, error: JSON.stringify({ name, message }) };
}

/** The API's routes under `options.path`; a class per module declaration, since the path is the application's. */
export function createWorkflowsController(options: ResolvedHttpOptions): Type<unknown> {
  @ApiTags('workflows')
  @ApiResponse({ status: 400, description: 'The request is malformed', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'The store is unavailable', type: ErrorResponse })
  @Controller(options.path)
  @guarded(options)
  @UseGuards(JsonBodyGuard)
  @UseFilters(WorkflowHttpExceptionFilter)
  @UseInterceptors(SecurityHeadersInterceptor)
  class WorkflowsController {
    private readonly streams: EventStreams;

    constructor(
      private readonly workflows: WorkflowService,
      private readonly adapterHost: HttpAdapterHost,
    ) {
      this.streams = new EventStreams(workflows.changes(), options.eventStreams);
    }

    // Declared before `:workflowId/executions`, so `events/executions` is an event, not a start.
    @Post('events/:name')
    @HttpCode(HttpStatus.ACCEPTED)
    @ApiOperation({ summary: 'Send an event to the executions waiting for it (and keep it)' })
    @ApiBody({ type: SendEventBody, required: false })
    @ApiResponse({ status: 202, description: 'The executions it resumed', type: SendEventResponse })
    @ApiResponse({ status: 422, description: 'A bad name, id or payload', type: ErrorResponse })
    async sendEvent(
      @Param('name') name: string,
      @Body(sendEventBodyPipe) body: SendEventBody = {},
    ): Promise<SendEventResponse> {
      return this.workflows.sendEvent(name, body.payload ?? null, { id: body.id });
    }

    @Post(':workflowId/executions')
    @ApiOperation({ summary: 'Start an execution; it runs in the background' })
    @ApiBody({ type: StartExecutionBody, required: false })
    @ApiResponse({
      status: 201,
      description: 'The execution, pending (or as it is, for a known executionId)',
    })
    @ApiResponse({ status: 404, description: 'No such workflow', type: ErrorResponse })
    @ApiResponse({ status: 422, description: 'The input is invalid', type: ErrorResponse })
    async start(
      @Param('workflowId') workflowId: string,
      @Body(startBodyPipe) body: StartExecutionBody = {},
    ): Promise<ExecutionView> {
      return executionView(
        await this.workflows.start(workflowId, body.input, { executionId: body.executionId }),
      );
    }

    @Get('executions')
    @ApiOperation({
      summary: 'Executions, newest first: summaries, with the values named in include',
    })
    @ApiResponse({ status: 200, description: 'x-page-truncated: true when the page ended early' })
    async find(
      @Query(queryPipe) query: FindExecutionsQuery,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<ExecutionSummary[]> {
      const { include, ...filters } = query;
      const values = includedValues(include);
      const limit = filters.limit ?? 100;
      if (values.length > 0 && limit > 100) {
        throw new BadRequestException(
          `limit is at most 100 when include names values (got ${limit}); page with before.`,
        );
      }
      const page = await listExecutions(this.workflows, { ...filters, limit }, values);
      if (page.truncated) {
        this.adapterHost.httpAdapter.setHeader(response, 'x-page-truncated', 'true');
      }
      return page.executions;
    }

    @Get('counts')
    @ApiOperation({ summary: 'Every execution counted by workflow and status' })
    @ApiOkResponse({ type: [ExecutionCountResponse] })
    @ApiResponse({
      status: 501,
      description: "The application's own store cannot count",
      type: ErrorResponse,
    })
    async counts(): Promise<ExecutionCount[]> {
      const counts = await this.workflows.countExecutions();
      if (counts) return counts;
      throw new NotImplementedException(
        "The application's store has only the seven basic methods; counting needs countExecutions().",
      );
    }

    @Get('executions/:id')
    @ApiOperation({ summary: 'One execution' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    async get(@Param('id') id: string): Promise<ExecutionView> {
      const execution = await this.workflows.get(id);
      if (!execution) throw new ExecutionNotFoundError(id);
      const waitingFor = this.workflows.waitingFor(execution);
      return waitingFor ? { ...executionView(execution), waitingFor } : executionView(execution);
    }

    @Get('executions/:id/entries')
    @ApiOperation({ summary: 'The audit trail of an execution, oldest first' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    async entries(@Param('id') id: string): Promise<Entry[]> {
      if (!(await this.workflows.get(id))) throw new ExecutionNotFoundError(id);
      return (await this.workflows.entries(id)).map(publicEntry);
    }

    @Post('executions/:id/resume')
    @HttpCode(HttpStatus.ACCEPTED)
    @ApiOperation({ summary: 'Answer a halted execution (approve, reject, respond)' })
    @ApiResponse({ status: 202, description: 'Accepted; it goes on in the background' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    @ApiResponse({
      status: 409,
      description: 'Not halted, or already resumed',
      type: ErrorResponse,
    })
    @ApiResponse({ status: 422, description: 'An approval needs "approved"', type: ErrorResponse })
    async resume(
      @Param('id') id: string,
      @Body(resumeBodyPipe) body: ResumeExecutionBody,
    ): Promise<ExecutionView> {
      return executionView(
        await this.workflows.resume(id, { approved: body.approved, response: body.response }),
      );
    }

    @Post('executions/:id/retry')
    @HttpCode(HttpStatus.ACCEPTED)
    @ApiOperation({ summary: 'Run a failed execution again from the step that failed' })
    @ApiResponse({ status: 202, description: 'The execution, pending; it runs in the background' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    @ApiResponse({
      status: 409,
      description: 'Not failed, already retried, or it cannot be retried (the error says why)',
      type: ErrorResponse,
    })
    async retry(@Param('id') id: string): Promise<ExecutionView> {
      return executionView(await this.workflows.retry(id));
    }

    @Post('executions/:id/fork')
    @ApiOperation({
      summary: 'A new execution that reuses the steps before fromStep and runs on from it',
    })
    @ApiBody({ type: ForkExecutionBody })
    @ApiResponse({ status: 201, description: 'The fork, pending; it runs in the background' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    @ApiResponse({
      status: 422,
      description:
        'fromStep is unknown, was never reached, or cannot be forked from; or executionId is taken by another execution',
      type: ErrorResponse,
    })
    async fork(
      @Param('id') id: string,
      @Body(envelopeBodyPipe) body: ForkExecutionBody,
    ): Promise<ExecutionView> {
      return executionView(
        await this.workflows.fork(id, { fromStep: body.fromStep, executionId: body.executionId }),
      );
    }

    @Post(':workflowId/executions/retry-failed')
    @HttpCode(HttpStatus.ACCEPTED)
    @ApiOperation({ summary: 'Retry every failed execution of a workflow created since a time' })
    @ApiBody({ type: RetryFailedBody })
    @ApiResponse({ status: 202, type: RetryFailedResponse })
    async retryFailed(
      @Param('workflowId') workflowId: string,
      @Body(envelopeBodyPipe) body: RetryFailedBody,
    ): Promise<RetryFailedResponse> {
      return this.workflows.retryFailed({
        workflowId,
        since: new Date(body.since),
        limit: body.limit,
      });
    }

    @Post('executions/:id/cancel')
    @HttpCode(HttpStatus.OK)
    @ApiOperation({ summary: 'Stop a pending, running or halted execution' })
    @ApiResponse({ status: 404, type: ErrorResponse })
    @ApiResponse({ status: 409, description: 'Already finished', type: ErrorResponse })
    async cancel(@Param('id') id: string): Promise<ExecutionView> {
      return executionView(await this.workflows.cancel(id));
    }

    @Delete('executions/:id')
    @HttpCode(HttpStatus.NO_CONTENT)
    @ApiOperation({ summary: 'Remove an execution and its trail' })
    @ApiNoContentResponse()
    @ApiResponse({ status: 404, type: ErrorResponse })
    async remove(@Param('id') id: string): Promise<void> {
      if (!(await this.workflows.delete(id))) throw new ExecutionNotFoundError(id);
    }

    @Sse('events')
    @ApiOperation({ summary: 'Server-sent events: every change to an execution' })
    @ApiOkResponse({
      description: 'text/event-stream of { id, workflowId, status, currentStep, revision }',
    })
    @ApiResponse({ status: 503, description: 'Too many streams are open', type: ErrorResponse })
    events(@Req() request: { user?: unknown }): Observable<MessageEvent> {
      return this.streams.open$(principalOf(request));
    }
  }
  return WorkflowsController;
}

/** The values `?include=` names, refused with 400 when one is unknown. */
function includedValues(include: string | undefined): ExecutionValue[] {
  if (include === undefined || include === '') return [];
  const names = include.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(EXECUTION_VALUES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new BadRequestException(
      `include names ${unknown.map((name) => `"${name}"`).join(', ')}, which executions do not have; known: ${EXECUTION_VALUES.join(', ')}.`,
    );
  }
  return names as ExecutionValue[];
}
