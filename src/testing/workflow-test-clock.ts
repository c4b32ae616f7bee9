import { Injectable } from '@nestjs/common';
import type { WorkflowClock } from '../core/clock';
import { durationMs, type Duration } from './duration';

interface ArmedTimer {
  dueAt: number;
  fire: () => void;
  /** Arming order: timers due at the same time fire in the order they were armed. */
  order: number;
}

/**
 * The time of a testing module's engine, moved on only by `advance`. Every timer armed on it (a
 * wait's `resume_at`, an approval's `expires_at`, and whatever else waits for a time through the
 * clock) fires once the clock passes it, with the work it causes awaited.
 */
@Injectable()
export class WorkflowTestClock implements WorkflowClock {
  private current = Date.now();
  private armed: ArmedTimer[] = [];
  private armedSoFar = 0;
  private settle: () => Promise<void> = async () => undefined;

  now(): Date {
    return new Date(this.current);
  }

  setTimer(dueAt: number, fire: () => void): () => void {
    const timer = { dueAt, fire, order: this.armedSoFar++ };
    this.armed.push(timer);
    return () => {
      this.armed = this.armed.filter((armed) => armed !== timer);
    };
  }

  /** Back-offs don't wait in tests: the clock moves on by `ms` and nothing else fires meanwhile. */
  async sleep(ms: number): Promise<void> {
    this.current += Math.max(0, ms);
  }

  /**
   * Moves time on by `by` (milliseconds, or `'2d'`, `'3h'`, `'1h30m'`...). Each timer that falls due
   * fires in turn, at its own time, and the work it causes (and what that work arms and falls due)
   * is awaited before the next; resolves once all of it settled. A timer armed already due (a
   * zero timeout) fires at the next advance: `advance(0)` fires just those.
   */
  async advance(by: Duration): Promise<void> {
    const target = this.current + durationMs(by);
    await this.settle();
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.armed = this.armed.filter((armed) => armed !== next);
      this.current = Math.max(this.current, next.dueAt);
      next.fire();
      await this.settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Timers armed and not yet fired. */
  pendingTimers(): number {
    return this.armed.length;
  }

  /** How `advance` waits for the work timers cause; the testing module sets it. */
  settleWith(settle: () => Promise<void>): void {
    this.settle = settle;
  }

  private nextDue(target: number): ArmedTimer | undefined {
    let next: ArmedTimer | undefined;
    for (const timer of this.armed) {
      if (timer.dueAt > target) continue;
      if (
        !next ||
        timer.dueAt < next.dueAt ||
        (timer.dueAt === next.dueAt && timer.order < next.order)
      )
        next = timer;
    }
    return next;
  }
}
