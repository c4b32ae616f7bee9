/** setTimeout's limit; later moments are reached in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The time schedules tick by, and how they wait for a tick: the one place a test clock replaces to
 * move schedules on without waiting.
 */
export interface ScheduleClock {
  now(): Date;
  /**
   * Calls `fire` once `at` has come (at once when it is past); returns how to call it off. `fire`
   * settles once the tick's execution is started (or skipped), for a clock that waits for it.
   */
  at(at: Date, fire: () => Promise<void>): () => void;
}

/** Real timers, measured against `now` (the engine's time). */
export function timerClock(now: () => Date): ScheduleClock {
  return {
    now,
    at(at, fire) {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        const delay = at.getTime() - now().getTime();
        timer = setTimeout(
          () => (delay > MAX_TIMER_MS ? arm() : void fire()),
          Math.max(0, Math.min(delay, MAX_TIMER_MS)),
        );
        timer.unref();
      };
      arm();
      return () => clearTimeout(timer);
    },
  };
}
