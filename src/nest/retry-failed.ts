import { ExecutionStateError, InvalidOptionError, RetryRefusedError } from '../core/errors';
import type { Execution } from '../core/types';
import type { FindQuery } from '../core/store/workflow-store';

/** Which failed executions `WorkflowService.retryFailed` runs again. */
export interface RetryFailedQuery {
  /** The workflow whose failed executions are retried. */
  workflowId: string;
  /** Only executions created at or after this moment. */
  since: Date;
  /**
   * At most this many are retried in one call; call again for more.
   * @defaultValue 1000
   */
  limit?: number;
}

/** What `retryFailed` did: the executions it put back to run, and those it could not, with why. */
export interface RetryFailedResult {
  retried: string[];
  skipped: { executionId: string; reason: string }[];
}

export const RETRY_FAILED_LIMIT = 1000;
/** The most one call retries, so a call's work and its answer stay bounded. */
export const RETRY_FAILED_MAX = 10_000;
const PAGE_SIZE = 100;

/**
 * Retries every failed execution of a workflow created since a time, newest first, a page at a
 * time. One that can't be retried (a sub-workflow's, retried through its parent; one past its
 * timeout; one retried meanwhile) is skipped with the reason, never silently.
 */
export async function retryFailed(
  query: RetryFailedQuery,
  find: (query: FindQuery) => Promise<Execution[]>,
  retry: (executionId: string) => Promise<Execution>,
): Promise<RetryFailedResult> {
  const limit = query.limit ?? RETRY_FAILED_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > RETRY_FAILED_MAX) {
    throw new InvalidOptionError(
      'retryFailed limit',
      `must be an integer from 1 to ${RETRY_FAILED_MAX} (got ${String(limit)})`,
    );
  }
  if (!(query.since instanceof Date) || Number.isNaN(query.since.getTime()))
    throw new InvalidOptionError('retryFailed since', 'must be a valid Date');
  const result: RetryFailedResult = { retried: [], skipped: [] };
  let before: string | undefined;
  for (;;) {
    const page = await find({
      workflowId: query.workflowId,
      status: 'failed',
      limit: PAGE_SIZE,
      before,
    });
    for (const execution of page) {
      if (execution.createdAt < query.since) return result;
      if (result.retried.length >= limit) return result;
      try {
        await retry(execution.id);
        result.retried.push(execution.id);
      } catch (error) {
        if (!(error instanceof RetryRefusedError || error instanceof ExecutionStateError))
          throw error;
        result.skipped.push({ executionId: execution.id, reason: error.message });
      }
    }
    if (page.length < PAGE_SIZE) return result;
    before = page[page.length - 1].id;
  }
}
