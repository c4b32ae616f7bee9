import type { SubWorkflowStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { isPlainObject } from '../runtime/references';
import type { Execution } from '../types';

/**
 * Runs another workflow as a child execution with an id derived from the parent and the step, so a
 * re-run after a crash finds the same child instead of starting a second one.
 */
export async function runSubWorkflow(
  step: SubWorkflowStep,
  context: StepContext,
): Promise<StepOutcome> {
  const input = context.resolve(step.input ?? {});
  if (!isPlainObject(input)) {
    throw new Error(
      `"input" resolved to ${JSON.stringify(input)}, but a workflow's input is a map`,
    );
  }
  context.record(step.id, step.type, { action: 'started', input });
  await context.persist();
  const child = await context.children.runChild(context.execution, step, input);
  return childOutcome(step, child, context.ctx);
}

/** What the parent does once its child has run: continue, halt with it, or fail. */
export function childOutcome(
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
      throw new Error(
        `workflow "${child.workflowId}" (execution ${child.id}) ended ${child.status}${child.error ? `: ${child.error}` : ''}`,
      );
  }
}
