import type { CallStep } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { CallTimeoutError } from '../errors';
import { runAttempts, startedEntry } from './attempts';
import { replayOutput, storeOutput } from './store-output';
import type { StepHandler } from './step-handler';

/**
 * Calls a registered service, at least once, retried and bounded as `runAttempts` says; the first
 * attempt's `started` entry usually goes out with the checkpoint that moved to the step.
 */
export const callStep: StepHandler<CallStep> = {
  run: runCall,
  startEntry: (step, context) => startedEntry(step, context.resolve(step.input ?? null), 1),
  replay: replayOutput,
};

async function runCall(step: CallStep, context: StepContext): Promise<StepOutcome> {
  const input = context.resolve(step.input ?? null);
  const outcome = await runAttempts(
    step,
    context,
    input,
    () => context.services.invoke(step.service, step.method, input),
    (ms) => new CallTimeoutError(step.service, step.method, ms),
  );
  if (outcome.kind === 'retry') return outcome;
  storeOutput(step, outcome.result, context);
  return { kind: 'continue', result: outcome.result ?? null };
}
