import type { AssignStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

/** Keys are set in order, so later ones see earlier ones. */
export async function runAssign(step: AssignStep, context: StepContext): Promise<StepOutcome> {
  const assigned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.set)) {
    assigned[key] = context.resolve(value);
    context.ctx[key] = assigned[key];
  }
  return { kind: 'continue', result: assigned };
}
