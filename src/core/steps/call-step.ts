import type { CallStep } from '../definition/definition-types';
import type { EntryDraft, StepContext, StepOutcome } from '../engine/step-context';
import { CallTimeoutError } from '../errors';
import type { StepHandler } from './step-handler';

/**
 * Calls a registered service. A `started` entry is checkpointed before each attempt, so a crash
 * mid-call shows on the trail and the call runs again on recovery (at least once); the first
 * attempt's usually goes out with the checkpoint that moved to the step (`startEntry`). Each failed
 * attempt but the last is recorded as `failed`, naming the attempt; the last one fails the step.
 * A back-off the runner may defer ends the run with a `retry` outcome: the attempt count and its
 * time are checkpointed, and a later run continues with that attempt.
 */
export const callStep: StepHandler<CallStep> = {
  run: runCall,
  startEntry: (step, context) => startedEntry(step, context.resolve(step.input ?? null), 1),
};

function startedEntry(step: CallStep, input: unknown, attempt: number): EntryDraft {
  return { action: 'started', input, output: { attempt, of: step.retries + 1 } };
}

async function runCall(step: CallStep, context: StepContext): Promise<StepOutcome> {
  const input = context.resolve(step.input ?? null);
  const attempts = step.retries + 1;
  const parked = context.parkedRetry(step.id);
  if (parked) {
    const early = Date.parse(parked.at) - context.now().getTime();
    if (early > 0) {
      if (context.mayDefer(early)) return { kind: 'retry', attempt: parked.attempt, at: parked.at };
      await context.sleep(early);
    }
  }
  const first = parked?.attempt ?? 1;
  for (let attempt = first; ; attempt++) {
    if (attempt !== first || !context.startWrittenAhead(step.id)) {
      context.record(step.id, step.type, startedEntry(step, input, attempt));
      await context.persist();
    }
    const began = Date.now();
    try {
      const result = await withTimeout(context, step, () =>
        context.services.invoke(step.service, step.method, input),
      );
      if (step.output) context.ctx[step.output] = result;
      return { kind: 'continue', result: result ?? null };
    } catch (error) {
      if (attempt >= attempts) throw error;
      context.record(step.id, step.type, {
        action: 'failed',
        input,
        output: { attempt, of: attempts },
        error,
        durationMs: Date.now() - began,
      });
      const delayMs = step.retry_delay * 1000 * step.retry_backoff ** (attempt - 1);
      if (context.mayDefer(delayMs)) {
        const at = new Date(context.now().getTime() + delayMs).toISOString();
        return { kind: 'retry', attempt: attempt + 1, at };
      }
      await context.sleep(delayMs);
    }
  }
}

async function withTimeout<T>(
  context: StepContext,
  step: CallStep,
  call: () => Promise<T>,
): Promise<T> {
  const budgets = [step.timeout === undefined ? null : step.timeout * 1000, context.remainingMs()];
  const limits = budgets.filter((ms): ms is number => ms !== null);
  if (limits.length === 0) return call();
  const ms = Math.max(0, Math.min(...limits));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(step.service, step.method, ms)), ms);
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
