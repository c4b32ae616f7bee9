import type { WaitStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

/** A durable timer: halts until `resume_at`, when the runner resumes it. */
export async function runWait(step: WaitStep, context: StepContext): Promise<StepOutcome> {
  const now = context.now();
  const resumeAt =
    step.seconds !== undefined
      ? new Date(now.getTime() + step.seconds * 1000)
      : parseUntil(context.resolve(step.until));
  return {
    kind: 'halt',
    haltData: { type: 'wait', resume_at: resumeAt.toISOString(), halted_at: now.toISOString() },
  };
}

function parseUntil(value: unknown): Date {
  const date = typeof value === 'string' || value instanceof Date ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new Error(`"until" resolved to ${JSON.stringify(value)}, which is not a time`);
  }
  return date;
}
