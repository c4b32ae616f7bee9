import type { WorkflowClock } from '../clock';

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

/** Schedules on the workflow clock: its time, and its timers (a test clock fires them too). */
export function scheduleClockOf(clock: WorkflowClock): ScheduleClock {
  return {
    now: () => clock.now(),
    at: (at, fire) => clock.setTimer(at.getTime(), () => void fire()),
  };
}
