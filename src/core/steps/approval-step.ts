import type { ApprovalStep } from '../definition/definition-types';
import { ApprovalExpiredError, ApprovalRejectedError } from '../errors';
import { continueAfterResume, replayAnswer, type StepHandler } from './step-handler';

/**
 * Halts for a person. An answer `approved: false` goes to `on_reject`; with `timeout`, `expires_at`
 * says when the runner fires the timer, which goes to `on_timeout`. Without those steps either
 * fails the step.
 */
export const approvalStep: StepHandler<ApprovalStep> = {
  run: async (step, context) => {
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
  },
  resumeProblems: (step, payload) =>
    typeof payload.approved === 'boolean'
      ? []
      : [`"approved" must be true or false to answer approval step "${step.id}"`],
  resume: async (step, halted, payload) => {
    const answered = continueAfterResume(halted, payload);
    if (payload.approved !== false) return answered;
    if (step.on_reject === undefined) throw new ApprovalRejectedError(step.id);
    return { ...answered, next: step.on_reject };
  },
  fireTimer: async (step, halted) => {
    if (!halted.timerDue()) return null;
    if (step.on_timeout === undefined) throw new ApprovalExpiredError(step.id, step.timeout);
    return { kind: 'continue', result: { timed_out: true }, next: step.on_timeout };
  },
  /** As the answer recorded went: approved, rejected (`on_reject`) or expired (`on_timeout`). */
  replay: (step, output, context) => {
    if ((output as { timed_out?: unknown } | null)?.timed_out === true)
      return { kind: 'continue', result: output, next: step.on_timeout };
    replayAnswer(output, context);
    const rejected = (output as { approved?: unknown } | null)?.approved === false;
    return { kind: 'continue', result: output, ...(rejected ? { next: step.on_reject } : {}) };
  },
};
