/** setTimeout's limit; longer timers are armed in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The one source of time for everything that waits: the engine's `now` (halt data, checkpoints,
 * `resume_at`, `expires_at`), the timers a runner arms for halted executions, and retry back-offs.
 * Code that fires something at a time goes through `setTimer`, so a test clock can move time on
 * and fire it without real waiting.
 */
export interface WorkflowClock {
  now(): Date;
  /** Calls `fire` once the clock reaches `dueAt` (epoch ms); returns how to cancel it. */
  setTimer(dueAt: number, fire: () => void): () => void;
  /** Waits `ms` of the clock's time (retry back-offs). */
  sleep(ms: number): Promise<void>;
}

/** Real time: timers on the event loop that never keep the process alive on their own. */
export const systemClock: WorkflowClock = {
  now: () => new Date(),
  setTimer(dueAt, fire) {
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = Math.max(0, dueAt - Date.now());
      timer = setTimeout(delay > MAX_TIMER_MS ? arm : fire, Math.min(delay, MAX_TIMER_MS));
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
