import type { FindQuery } from '../../core/store/workflow-store';
import type { WorkflowService } from '../workflow.service';
import { executionWith, type ExecutionSummary, type ExecutionValue } from './execution-views';

/** Executions read from the store at a time, so a list's memory does not grow with its length. */
const READ_BATCH = 100;

/** Beyond this many bytes of JSON a page with values ends early; the client pages on with `before`. */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

export interface ExecutionPage {
  executions: ExecutionSummary[];
  /** Whether the page ended before `limit` because of MAX_LIST_BYTES. */
  truncated: boolean;
}

/**
 * A page of executions as the API lists them: summaries, with the values asked for. The store is
 * read a batch at a time, and a page carrying values stops at MAX_LIST_BYTES (after one at least).
 */
export async function listExecutions(
  workflows: WorkflowService,
  query: FindQuery & { limit: number },
  values: readonly ExecutionValue[],
): Promise<ExecutionPage> {
  const executions: ExecutionSummary[] = [];
  let bytes = 0;
  let before = query.before;
  while (executions.length < query.limit) {
    const asked = Math.min(READ_BATCH, query.limit - executions.length);
    const batch = await workflows.find({ ...query, before, limit: asked });
    for (const execution of batch) {
      const shown = executionWith(execution, values);
      if (values.length > 0) {
        bytes += Buffer.byteLength(JSON.stringify(shown));
        if (bytes > MAX_LIST_BYTES && executions.length > 0) {
          return { executions, truncated: true };
        }
      }
      executions.push(shown);
    }
    if (batch.length < asked) break;
    before = batch[batch.length - 1].id;
  }
  return { executions, truncated: false };
}
