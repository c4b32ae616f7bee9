import type { AssignStep } from '../definition/definition-types';
import { isPlainObject } from '../runtime/references';
import type { StepHandler } from './step-handler';

/** Keys are set in order, so later ones see earlier ones. */
export const assignStep: StepHandler<AssignStep> = {
  run: async (step, context) => {
    const assigned: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(step.set)) {
      assigned[key] = context.resolve(value);
      context.ctx[key] = assigned[key];
    }
    return { kind: 'continue', result: assigned };
  },
  replay: (_step, output, context) => {
    if (isPlainObject(output)) Object.assign(context.ctx, output);
    return { kind: 'continue', result: output };
  },
};
