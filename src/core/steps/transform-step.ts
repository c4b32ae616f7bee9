import type { TransformStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { readPath } from '../runtime/references';
import { applyTransform } from '../runtime/transform';

export async function runTransform(
  step: TransformStep,
  context: StepContext,
): Promise<StepOutcome> {
  const value = applyTransform(readPath(step.input, context.scope), step.expression, context.scope);
  if (step.output) context.ctx[step.output] = value;
  return { kind: 'continue', result: value };
}
