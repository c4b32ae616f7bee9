import type { LoopStep } from '../definition/definition-types';
import { beginLoop } from '../engine/loop-iteration';
import type { StepContext, StepOutcome } from '../engine/step-context';

/** Enters the body with the first iteration's variables set, or finishes at once with no results. */
export async function runLoop(step: LoopStep, context: StepContext): Promise<StepOutcome> {
  const frame = beginLoop(step, context);
  if (!frame) {
    if (step.output) context.ctx[step.output] = [];
    return { kind: 'continue', result: [] };
  }
  return { kind: 'enter', frame, first: step.do[0].id };
}
