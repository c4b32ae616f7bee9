import type { SubWorkflowStep } from '../definition/definition-types';
import { StepError, SubWorkflowTimeoutError } from '../errors';
import { isPlainObject } from '../runtime/references';
import type { Execution } from '../types';
import type { StepOutcome } from '../engine/step-context';
import { runWithin } from './sub-workflow-timeout';
import type { HaltedStepContext, StepHandler } from './step-handler';

/**
 * Runs another workflow as a child execution with an id derived from the parent and the step, so a
 * re-run after a crash finds the same child instead of starting a second one. While the child is
 * halted the parent halts with it: resumes and timers are passed on to the child, and the parent
 * goes on once the child ends (here, or by itself through `childFinished`). With `timeout`, a child
 * that has not finished in time is cancelled and the step fails (its `on_error` applies).
 */
export const workflowStep: StepHandler<SubWorkflowStep> = {
  run: async (step, context) => {
    const input = context.resolve(step.input ?? {});
    if (!isPlainObject(input)) {
      throw new StepError(
        `"input" resolved to ${JSON.stringify(input)}, but a workflow's input is a map`,
      );
    }
    context.record(step.id, step.type, { action: 'started', input });
    await context.persist();
    const running = context.children.runChild(context.execution, step, input);
    if (step.timeout === undefined) return childOutcome(step, await running, context.ctx);
    const child = await runWithin(running, step.timeout * 1000);
    if (child === 'timed out') {
      const childId = await context.children.cancelChild(context.execution, step);
      throw new SubWorkflowTimeoutError(step.workflow_id, childId, step.timeout);
    }
    return childOutcome(step, child, context.ctx);
  },
  resume: async (step, halted, payload) => {
    await failWhenLate(step, halted);
    return childOutcome(step, await halted.resumeChild(payload), halted.ctx);
  },
  fireTimer: async (step, halted) => {
    await failWhenLate(step, halted);
    return childOutcome(step, await halted.fireChildTimer(), halted.ctx);
  },
  childFinished: (step, child, ctx) => childOutcome(step, child, ctx),
  // The child's result as the parent recorded it; a fork starts no child for it.
  replay: (step, output, context) => {
    if (step.output) context.ctx[step.output] = output;
    return { kind: 'continue', result: output };
  },
};

/** A halted child past the step's `timeout` is cancelled, and the step fails. */
async function failWhenLate(step: SubWorkflowStep, halted: HaltedStepContext): Promise<void> {
  const deadline = halted.execution.haltData?.['timeout_at'];
  if (typeof deadline !== 'string' || Date.parse(deadline) > halted.now().getTime()) return;
  await halted.cancelChild();
  const childId = halted.execution.haltData?.['child_execution_id'];
  throw new SubWorkflowTimeoutError(step.workflow_id, String(childId), step.timeout ?? 0);
}

/** What the parent does once its child has run: continue, halt with it, or fail. */
function childOutcome(
  step: SubWorkflowStep,
  child: Execution,
  ctx: Record<string, unknown>,
): StepOutcome {
  switch (child.status) {
    case 'completed':
      if (step.output) ctx[step.output] = child.result;
      return { kind: 'continue', result: child.result };
    case 'halted':
      return {
        kind: 'halt',
        haltData: {
          type: 'workflow',
          ...(child.haltData ?? {}),
          child_type: child.haltData?.['type'] ?? null,
          child_execution_id: child.id,
          child_workflow_id: child.workflowId,
          // Counted from the child's start, so a resumed or re-driven parent keeps the same deadline.
          ...(step.timeout === undefined
            ? {}
            : {
                timeout_at: new Date(child.createdAt.getTime() + step.timeout * 1000).toISOString(),
              }),
        },
      };
    default:
      throw new StepError(
        `workflow "${child.workflowId}" (execution ${child.id}) ended ${child.status}${child.error ? `: ${child.error}` : ''}`,
      );
  }
}
