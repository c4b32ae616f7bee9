import type { EndStep } from '../definition/definition-types';
import type { StepHandler } from './step-handler';

/** Ends the run with `result`, or with the whole context when it names none. */
export const endStep: StepHandler<EndStep> = {
  run: async (step, context) => ({
    kind: 'finish',
    result: step.result === undefined ? { ...context.ctx } : context.resolve(step.result),
  }),
  replay: 'compute',
};
