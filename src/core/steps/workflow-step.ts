import type { SubWorkflowStep } from '../definition/definition-types';
import { StepError } from '../errors';
import { isPlainObject } from '../runtime/references';
import type { Execution } from '../types';
import type { StepOutcome } from '../engine/step-context';
import type { StepHandler } from './step-handler';

/**
 * Runs another workflow as a child execution with an id derived from the parent and the step, so a
 * re-run after a crash finds the same child instead of starting a second one. While the child is
 * halted the parent halts with it: resumes and timers are passed on to the child, and the parent
 * goes on once the child ends (here, or by itself through `childFinished`).
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
    const child = await context.children.runChild(context.execution, step, input);
    return childOutcome(step, child, context.ctx);
  },
  resume: async (step, halted, payload) =>
    childOutcome(step, await halted.resumeChild(payload), halted.ctx),
  fireTimer: async (step, halted) => childOutcome(step, await halted.fireChildTimer(), halted.ctx),
  childFinished: (step, child, ctx) => childOutcome(step, child, ctx),
  // The child's result as the parent recorded it; a fork starts no child for it.
  replay: (step, output, context) => {
    if (step.output) context.ctx[step.output] = output;
    return { kind: 'continue', result: output };
  },
};

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
        },
      };
    default:
      throw new StepError(
        `workflow "${child.workflowId}" (execution ${child.id}) ended ${child.status}${child.error ? `: ${child.error}` : ''}`,
      );
  }
}
