import type { EndStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

export async function runEnd(step: EndStep, context: StepContext): Promise<StepOutcome> {
  const result = step.result === undefined ? { ...context.ctx } : context.resolve(step.result);
  return { kind: 'finish', result };
}
