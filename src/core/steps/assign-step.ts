import type { AssignStep } from '../definition/definition-types';
import { isPlainObject } from '../runtime/references';
import type { StepHandler } from './step-handler';

/**
 * Keys are set in order, so later ones see earlier ones. A key that fails puts back those set before
 * it: a failed step leaves the context as it found it, which is what a retry starts from.
 */
export const assignStep: StepHandler<AssignStep> = {
  run: async (step, context) => {
    const assigned: Record<string, unknown> = {};
    const before = new Map<string, { had: boolean; value: unknown }>();
    try {
      for (const [key, value] of Object.entries(step.set)) {
        if (!before.has(key))
          before.set(key, { had: Object.hasOwn(context.ctx, key), value: context.ctx[key] });
        assigned[key] = context.resolve(value);
        context.ctx[key] = assigned[key];
      }
    } catch (error) {
      for (const [key, { had, value }] of before) {
        if (had) context.ctx[key] = value;
        else delete context.ctx[key];
      }
      throw error;
    }
    return { kind: 'continue', result: assigned };
  },
  replay: (_step, output, context) => {
    if (isPlainObject(output)) Object.assign(context.ctx, output);
    return { kind: 'continue', result: output };
  },
};
