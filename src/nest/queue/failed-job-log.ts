import { StoreUnavailableError } from '../../core/store/store-errors';
import type { StoreLog } from '../../core/store/store-log';
import { classifyFailure } from '../../storage/resilient/failure-kind';

/** What the log needs of a failed BullMQ job. */
export interface FailedJob {
  id?: string;
  name: string;
  attemptsMade: number;
  opts: { attempts?: number };
}

/**
 * The worker's failed jobs in the log. A failure for a workflow's own reason gets a line of its own;
 * failures because the store or its connection is down come in runs, one per job attempt: the first
 * of a run gets a line, the rest are counted, and the first job that completes after them ends the
 * run with one line that says how many failed and how many of those for the last time.
 */
export class FailedJobLog {
  private failures = 0;
  private lastAttempts = 0;

  constructor(private readonly log: StoreLog) {}

  failed(job: FailedJob | undefined, error: Error): void {
    const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
    const what = `Job ${job?.id ?? '?'} (${job?.name ?? '?'})`;
    if (!isOutage(error)) {
      this.log(
        'error',
        `${what} failed${final ? ' for the last time' : ', to be tried again'}: ${error.message}`,
      );
      return;
    }
    this.failures++;
    if (final) this.lastAttempts++;
    if (this.failures > 1) return;
    this.log(
      'error',
      `${what} failed because the store is unreachable: ${error.message.replace(/\.$/, '')}. Jobs are tried again; further failures of this outage are counted, not logged, until a job completes.`,
    );
  }

  completed(): void {
    if (this.failures === 0) return;
    const lastAttempts =
      this.lastAttempts === 0
        ? ''
        : `; ${this.lastAttempts} of them for the last time, their executions are left to the recovery sweep`;
    this.log(
      'log',
      `Jobs complete again after ${this.failures} failed attempt(s) while the store was unreachable${lastAttempts}.`,
    );
    this.failures = 0;
    this.lastAttempts = 0;
  }
}

/** A failure of the store's connection (or its open circuit), not an answer about the work. */
function isOutage(error: Error): boolean {
  return error instanceof StoreUnavailableError || classifyFailure(error) !== 'permanent';
}
