import type { RunOptions } from '../../core/engine/run-state';
import { eventWaitOf } from '../../core/events/event-keys';
import type { EventDelivery } from '../../core/events/event-delivery';
import type { Execution, ResumePayload } from '../../core/types';
import type { HaltAnswers } from '../concurrency/halt-answers';

/**
 * The catch-up of an event that raced ahead of a wait, done by the holder of the lease the halt
 * kept (see the engine's checkpoint): it applies the event under that lease, in the same run, so a
 * worker that dies before it leaves the lease to expire and the recovery sweep to catch up instead.
 */
export class LeasedEventCatchUp {
  constructor(
    private readonly delivery: EventDelivery,
    private readonly halts: HaltAnswers,
  ) {}

  /** The payload of the event kept for the execution's `event` wait; null when none. */
  async keptFor(execution: Execution): Promise<ResumePayload | null> {
    if (!eventWaitOf(execution)?.since) return null;
    const event = await this.delivery.keptEventFor(execution);
    return event && { response: event.payload, event: { id: event.id, name: event.name } };
  }

  /** Applies kept events to the run's outcome for as long as it halts at a wait one matches. */
  async applyTo(outcome: Execution, run: RunOptions): Promise<Execution> {
    let current = outcome;
    for (;;) {
      const payload = await this.keptFor(current);
      if (!payload) return current;
      current = await this.halts.answer(current, payload, run);
    }
  }
}
