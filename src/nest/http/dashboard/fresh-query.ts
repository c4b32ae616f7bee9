import { setTimeout as delay } from 'node:timers/promises';

/**
 * Shares one query among concurrent callers without serving anyone an answer older than their call:
 * every caller gets the result of a run that started after it called. Runs never overlap and start
 * at least `minIntervalMs` apart, so however many dashboards refresh, the store sees one query at a
 * time (a count reads the whole table).
 */
export class FreshQuery<T> {
  private planned?: Promise<T>;
  private running?: Promise<T>;
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly query: () => Promise<T>,
    private readonly minIntervalMs = 1000,
  ) {}

  get(): Promise<T> {
    if (this.planned) return this.planned;
    // Started from a callback, so that `planned` is set before the run can begin: callers that
    // arrive until it begins share it; those after it began plan the next one.
    const planned = Promise.resolve().then(async () => {
      await this.running?.catch(() => undefined);
      const wait = this.lastStart + this.minIntervalMs - Date.now();
      if (wait > 0) await delay(wait);
      this.planned = undefined;
      this.lastStart = Date.now();
      const run = this.query();
      this.running = run;
      try {
        return await run;
      } finally {
        if (this.running === run) this.running = undefined;
      }
    });
    this.planned = planned;
    return planned;
  }
}
