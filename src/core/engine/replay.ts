import type { LocatedStep } from '../definition/definition-types';
import { deserializeError, reviveError } from '../error-serialization';
import { ForkRefusedError } from '../errors';
import { stepHandler } from '../steps/step-registry';
import type { Entry } from '../types';
import type { RunState } from './run-state';
import type { StepContext, StepOutcome } from './step-context';

/** How a step ended once in the execution forked: its output, or the error it failed with. */
type Recorded = { ok: true; output: unknown } | { ok: false; error: string };

/**
 * The outcomes recorded on the trail of the execution being forked, each step's in order, and how
 * a fork passes a step with them: steps with effects (calls, sub-workflows, halts) take their
 * recorded outcome and are not done again; steps that only compute run again on the same values.
 * A step's last failure is replayed too, so an `on_error` taken then is taken again.
 */
export class Replay {
  private readonly outcomes = new Map<string, Recorded[]>();

  constructor(
    private readonly sourceId: string,
    private readonly fromStep: string,
    entries: readonly Entry[],
  ) {
    for (const entry of entries) {
      const recorded = recordedOutcome(entry);
      if (!recorded) continue;
      const list = this.outcomes.get(entry.stepId) ?? [];
      list.push(recorded);
      this.outcomes.set(entry.stepId, list);
    }
  }

  async outcome(located: LocatedStep, context: StepContext, state: RunState): Promise<StepOutcome> {
    const { step } = located;
    const handler = stepHandler(step);
    if (handler.replay === 'compute') return handler.run(step, context);
    if (!handler.replay) {
      throw this.refused(
        `step "${step.id}" before it is a ${step.type} step, which a fork can't pass without doing it again; fork from "${step.id}" or an earlier step`,
      );
    }
    const recorded = this.outcomes.get(state.entryName(step.id))?.shift();
    if (!recorded) {
      throw this.refused(
        `step "${step.id}" before it has no recorded outcome left to reuse (the execution forked did not finish it on this path)`,
      );
    }
    if (!recorded.ok) throw reviveError(deserializeError(recorded.error));
    return handler.replay(step, recorded.output, {
      ctx: context.ctx,
      answered: ({ response, approved }) => {
        state.runtime.response = response;
        state.runtime.approved = approved;
      },
    });
  }

  refused(reason: string): ForkRefusedError {
    return new ForkRefusedError(this.sourceId, this.fromStep, reason);
  }
}

/**
 * A step's outcome as the trail has it: `completed` with its output, or its last `failed` entry
 * (a call's earlier attempts carry their attempt number as output and are passed over).
 */
function recordedOutcome(entry: Entry): Recorded | null {
  if (entry.action === 'completed') return { ok: true, output: entry.output };
  if (entry.action === 'failed' && entry.output === null)
    return { ok: false, error: entry.error ?? '' };
  return null;
}
