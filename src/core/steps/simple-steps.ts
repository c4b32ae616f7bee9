import type {
  AssignStep,
  EndStep,
  RouterStep,
  StartStep,
  TransformStep,
} from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { readPath } from '../runtime/references';
import { applyTransform } from '../runtime/transform';

/** Inputs were checked and defaulted when the execution was created; nothing is left to do. */
export async function runStart(_step: StartStep, context: StepContext): Promise<StepOutcome> {
  return { kind: 'continue', result: context.execution.input };
}

export async function runEnd(step: EndStep, context: StepContext): Promise<StepOutcome> {
  const result = step.result === undefined ? { ...context.ctx } : context.resolve(step.result);
  return { kind: 'finish', result };
}

/** Keys are set in order, so later ones see earlier ones. */
export async function runAssign(step: AssignStep, context: StepContext): Promise<StepOutcome> {
  const assigned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.set)) {
    assigned[key] = context.resolve(value);
    context.ctx[key] = assigned[key];
  }
  return { kind: 'continue', result: assigned };
}

export async function runRouter(step: RouterStep, context: StepContext): Promise<StepOutcome> {
  const route = step.routes.find((candidate) => context.evaluate(candidate.when));
  const target = route?.then ?? step.default;
  if (target === undefined) {
    throw new Error('no route matched and the router has no default');
  }
  return { kind: 'continue', result: { route: target }, next: target };
}

export async function runTransform(
  step: TransformStep,
  context: StepContext,
): Promise<StepOutcome> {
  const value = applyTransform(readPath(step.input, context.scope), step.expression, context.scope);
  if (step.output) context.ctx[step.output] = value;
  return { kind: 'continue', result: value };
}
