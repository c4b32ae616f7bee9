import type { ApprovalStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';

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
