import type { TransformStep } from '../definition/definition-types';
import { readPath } from '../runtime/references';
import { applyTransform } from '../runtime/transform';
import type { StepHandler } from './step-handler';

/** Applies the expression's ops to `input` (the whole context without one) and writes `output`. */
export const transformStep: StepHandler<TransformStep> = {
  run: async (step, context) => {
    const input =
      step.input === undefined ? { ...context.ctx } : readPath(step.input, context.scope);
    const value = applyTransform(input, step.expression, context.scope);
    if (step.output) context.ctx[step.output] = value;
    return { kind: 'continue', result: value };
  },
  replay: (step, output, context) => {
    if (step.output) context.ctx[step.output] = output;
    return { kind: 'continue', result: output };
  },
};
