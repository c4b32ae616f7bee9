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
  /** The route taken, not one evaluated again (a condition may read `$now`). */
  replay: (_step, output) => {
    const route = (output as { route?: unknown } | null)?.route;
    if (typeof route !== 'string') throw new StepError('the recorded route names no step');
    return { kind: 'continue', result: output, next: route };
  },
};
