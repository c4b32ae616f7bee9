import type { RouterStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

export async function runRouter(step: RouterStep, context: StepContext): Promise<StepOutcome> {
  const route = step.routes.find((candidate) => context.evaluate(candidate.when));
  const target = route?.then ?? step.default;
  if (target === undefined) {
    throw new Error('no route matched and the router has no default');
  }
  return { kind: 'continue', result: { route: target }, next: target };
}
