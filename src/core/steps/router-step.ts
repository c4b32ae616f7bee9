import type { RouterStep } from '../definition/definition-types';
import { StepError } from '../errors';
import type { StepHandler } from './step-handler';

/** Goes to the first route whose condition holds, else to `default`. */
export const routerStep: StepHandler<RouterStep> = {
  run: async (step, context) => {
    const route = step.routes.find((candidate) => context.evaluate(candidate.when));
    const target = route?.then ?? step.default;
    if (target === undefined) {
      throw new StepError('no route matched and the router has no default');
    }
    return { kind: 'continue', result: { route: target }, next: target };
  },
};
