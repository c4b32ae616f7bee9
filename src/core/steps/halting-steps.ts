import type { ApprovalStep, HaltStep, WaitStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { isPlainObject } from '../runtime/references';

export async function runHalt(step: HaltStep, context: StepContext): Promise<StepOutcome> {
  const data = step.data ? (context.resolve(step.data) as Record<string, unknown>) : {};
  return {
    kind: 'halt',
    haltData: {
      reason: context.resolve(step.reason ?? null),
      halted_at: context.now().toISOString(),
      ...data,
    },
    recoverTo: step.resume_step,
  };
}

/** Halts for a person; with `timeout`, `expires_at` says when the runner must act on its own. */
export async function runApproval(step: ApprovalStep, context: StepContext): Promise<StepOutcome> {
  const requestedAt = context.now();
  const haltData: Record<string, unknown> = {
    type: 'approval',
    prompt: context.resolve(step.prompt ?? null),
    context: context.resolve(step.context ?? null),
    approvers: context.resolve(step.approvers ?? null),
    timeout: step.timeout ?? null,
    requested_at: requestedAt.toISOString(),
  };
  if (step.timeout !== undefined) {
    haltData['expires_at'] = new Date(requestedAt.getTime() + step.timeout * 1000).toISOString();
  }
  return { kind: 'halt', haltData };
}

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

export function isTimerHalt(haltData: Record<string, unknown> | null): boolean {
  return (
    isPlainObject(haltData) &&
    (haltData['type'] === 'wait' || typeof haltData['expires_at'] === 'string')
  );
}
