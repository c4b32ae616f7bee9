import type { StartStep } from '../definition/definition-types';
import type { StepHandler } from './step-handler';

/** Inputs were checked and defaulted when the execution was created; nothing is left to do. */
export const startStep: StepHandler<StartStep> = {
  run: async (_step, context) => ({ kind: 'continue', result: context.execution.input }),
  replay: 'compute',
};
