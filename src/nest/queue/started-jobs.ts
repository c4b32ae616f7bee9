/** Executions started here that are remembered, the newest kept: a `wait` follows its `start`. */
const REMEMBERED = 10_000;

/**
 * The start job this process queued for each execution it started lately, so `wait` can ask the
 * job how the execution came out instead of reading the store.
 */
export class StartedJobs {
  private readonly jobs = new Map<string, string>();

  remember(executionId: string, jobId: string): void {
    this.jobs.delete(executionId);
    this.jobs.set(executionId, jobId);
    if (this.jobs.size > REMEMBERED) this.jobs.delete(this.jobs.keys().next().value as string);
  }

  jobOf(executionId: string): string | undefined {
    return this.jobs.get(executionId);
  }

  /** After a retry, cancel or delete here, the start job no longer tells how it came out. */
  forget(executionId: string): void {
    this.jobs.delete(executionId);
  }
}
