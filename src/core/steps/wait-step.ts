import type { WaitStep } from '../definition/definition-types';
import { StepError } from '../errors';
import type { StepHandler } from './step-handler';

/** A durable timer: halts until `resume_at`, when the runner fires it and the run goes on. */
export const waitStep: StepHandler<WaitStep> = {
  run: async (step, context) => {
    const now = context.now();
    const resumeAt =
      step.seconds !== undefined
        ? new Date(now.getTime() + step.seconds * 1000)
        : parseUntil(context.resolve(step.until));
    return {
      kind: 'halt',
      haltData: { type: 'wait', resume_at: resumeAt.toISOString(), halted_at: now.toISOString() },
    };
  },
  fireTimer: async (_step, halted) =>
    halted.timerDue()
      ? {
          kind: 'continue',
          result: { resumed_at: halted.now().toISOString() },
          next: halted.execution.recoverTo,
        }
      : null,
  replay: (_step, output) => ({ kind: 'continue', result: output }),
};

function parseUntil(value: unknown): Date {
  const date = typeof value === 'string' || value instanceof Date ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new StepError(`"until" resolved to ${JSON.stringify(value)}, which is not a time`);
  }
  return date;
}
