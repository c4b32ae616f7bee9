import type { ScheduleClock } from '../../src';

/** A schedule clock moved by hand: `advanceTo` fires every timer due, in order, and waits for each. */
export class ManualClock implements ScheduleClock {
  private timers: { at: Date; fire: () => Promise<void> }[] = [];

  constructor(private current: Date) {}

  now(): Date {
    return this.current;
  }

  at(at: Date, fire: () => Promise<void>): () => void {
    const timer = { at, fire };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }

  async advanceTo(moment: Date): Promise<void> {
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= moment)
        .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      await due.fire();
    }
    this.current = moment;
  }
}
