import type { StartStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

/** Inputs were checked and defaulted when the execution was created; nothing is left to do. */
export async function runStart(_step: StartStep, context: StepContext): Promise<StepOutcome> {
  return { kind: 'continue', result: context.execution.input };
}
