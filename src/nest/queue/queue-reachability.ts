import { DurableWorkflowError } from '../../core/errors';
import { withinGrace } from '../runners/within-grace';
import type { WorkflowBullQueue } from './workflow-job-queue';

/** How long a request waits for the queue's Redis before it is refused. */
export const QUEUE_ANSWER_MS = 3000;

/** The queue's Redis did not answer in time: nothing was written; try again once it runs. */
export class QueueUnavailableError extends DurableWorkflowError {
  constructor(
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The BullMQ queue's Redis did not answer within ${waitedMs} ms. Check the queue's connection option (REDIS_URL) and that Redis runs. Nothing was written.`,
      options,
    );
  }
}

/**
 * Resolves once the queue's Redis answers (one cheap read: the count of active jobs); rejects with
 * QueueUnavailableError after `ms`, or at once when Redis refuses.
 */
export async function requireQueueAnswer(queue: WorkflowBullQueue, ms: number): Promise<void> {
  let failure: unknown;
  const answer = queue.getActiveCount().catch((error: unknown) => {
    failure = error;
  });
  if (!(await withinGrace(answer, ms)) || failure !== undefined)
    throw new QueueUnavailableError(ms, { cause: failure });
}
