import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ExecutionNotFoundError,
  ExecutionStateError,
  InvalidEventError,
  ForkRefusedError,
  RetryRefusedError,
  WorkflowNotFoundError,
  WorkflowValidationError,
} from '../../core/errors';
import { QueueUnavailableError } from '../queue/queue-reachability';
import { applySecurityHeaders } from './security-headers';
import {
  ConcurrentUpdateError,
  RejectedValueError,
  StoreError,
} from '../../core/store/store-errors';

/**
 * Maps the module's errors to statuses: invalid input 422 (a workflow's, or a value the store
 * refuses), not found 404, wrong status 409, any other store failure 503. The body names the problem; a stack trace never leaves the server.
 * It answers through the application's HTTP adapter, so Express and Fastify reply alike.
 */
@Catch()
export class WorkflowHttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DurableWorkflowHttp');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const { status, body } = this.describe(error);
    const response = host.switchToHttp().getResponse<unknown>();
    // A guard's refusal comes before any interceptor: the headers are set here as well.
    applySecurityHeaders(this.adapterHost, response);
    this.adapterHost.httpAdapter.reply(response, { statusCode: status, ...body }, status);
  }

  private describe(error: unknown): { status: number; body: Record<string, unknown> } {
    if (error instanceof HttpException) {
      const answer = error.getResponse();
      const message =
        typeof answer === 'object' && answer !== null && 'message' in answer
          ? answer.message
          : error.message;
      return Array.isArray(message)
        ? { status: error.getStatus(), body: { error: 'Invalid request', details: message } }
        : { status: error.getStatus(), body: { error: String(message) } };
    }
    if (error instanceof WorkflowValidationError) {
      return {
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        body: { error: `${error.subject} is invalid`, details: error.problems },
      };
    }
    if (error instanceof InvalidEventError)
      return {
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        body: { error: error.message, details: error.problems },
      };
    if (error instanceof RejectedValueError || error instanceof ForkRefusedError)
      return { status: HttpStatus.UNPROCESSABLE_ENTITY, body: { error: error.message } };
    if (error instanceof WorkflowNotFoundError || error instanceof ExecutionNotFoundError)
      return { status: HttpStatus.NOT_FOUND, body: { error: error.message } };
    if (
      error instanceof ExecutionStateError ||
      error instanceof RetryRefusedError ||
      error instanceof ConcurrentUpdateError
    )
      return { status: HttpStatus.CONFLICT, body: { error: error.message } };
    if (error instanceof QueueUnavailableError) {
      this.logger.error(error.message);
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { error: error.message } };
    }
    if (error instanceof StoreError) {
      this.logger.error(error.message, error.stack);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: { error: 'The workflow store is unavailable; try again shortly.' },
      };
    }
    this.logger.error(
      error instanceof Error ? error.message : String(error),
      error instanceof Error ? error.stack : undefined,
    );
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: 'Internal error; the server log has the details.' },
    };
  }
}
