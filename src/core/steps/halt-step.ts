import type { HaltStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

export async function runHalt(step: HaltStep, context: StepContext): Promise<StepOutcome> {
  const data = step.data ? (context.resolve(step.data) as Record<string, unknown>) : {};
  return {
    kind: 'halt',
    haltData: {
      reason: context.resolve(step.reason ?? null),
      halted_at: context.now().toISOString(),
      ...data,
    },
    recoverTo: step.resume_step,
  };
}
