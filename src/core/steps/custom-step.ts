import type { CustomStepContext } from '../custom-step-types';
import type { CustomStepDefinition } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { StepTimeoutError } from '../errors';
import { runAttempts, startedEntry } from './attempts';
import type { StepHandler } from './step-handler';
import { replayOutput, storeOutput } from './store-output';

/** Runs a step of a type the application registered, retried and checkpointed as `call` is. */
export const customStep: StepHandler<CustomStepDefinition> = {
  run: runCustom,
  startEntry: (step, context) => startedEntry(step, context.resolve(step.config), 1),
  replay: replayOutput,
};

async function runCustom(step: CustomStepDefinition, context: StepContext): Promise<StepOutcome> {
  const type = context.stepTypes.stepType(step.step_type);
  const outcome = await runAttempts(
    { ...step, type: step.step_type },
    context,
    context.resolve(step.config),
    // Resolved again for each attempt, so one attempt's changes to its config don't reach the next.
    (attempt, signal) =>
      type.run(
        context.resolve(step.config) as Record<string, unknown>,
        customContext(step, context, attempt, signal),
      ),
    (ms) => new StepTimeoutError(step.id, step.step_type, ms),
  );
  if (outcome.kind === 'retry') return outcome;
  storeOutput(step, outcome.result, context);
  return { kind: 'continue', result: outcome.result ?? null };
}

function customContext(
  step: CustomStepDefinition,
  context: StepContext,
  attempt: number,
  signal: AbortSignal,
): CustomStepContext {
  return {
    executionId: context.execution.id,
    workflowId: context.definition.id,
    stepId: step.id,
    stepType: step.step_type,
    attempt,
    input: structuredClone(context.execution.input),
    variables: structuredClone(context.ctx),
    signal,
  };
}
