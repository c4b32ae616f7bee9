import type { EntryDraft, StepContext, StepOutcome } from '../engine/step-context';

/** How a step that does outside work is retried and bounded (`call` and custom steps). */
export interface AttemptPolicy {
  id: string;
  /** As the trail shows it. */
  type: string;
  timeout?: number;
  retries: number;
  retry_delay: number;
  retry_backoff: number;
}

/** The `started` entry of an attempt: what it was given, and which attempt of how many. */
export function startedEntry(
  policy: Pick<AttemptPolicy, 'retries'>,
  input: unknown,
  attempt: number,
): EntryDraft {
  return { action: 'started', input, output: { attempt, of: policy.retries + 1 } };
}

/** The work succeeded with `result`, or a deferred back-off ends this run (`retry`). */
export type AttemptsResult =
  { kind: 'done'; result: unknown } | Extract<StepOutcome, { kind: 'retry' }>;

/**
 * Runs `work` until it succeeds or the attempts run out. A `started` entry is checkpointed before
 * each attempt, so a crash mid-attempt shows on the trail and the work runs again on recovery (at
 * least once); the first attempt's may have gone out with the checkpoint that moved to the step
 * (the handler's `startEntry`), and is then not written again. Each failed attempt but the last is recorded as `failed`, naming the attempt; the
 * last one's error is thrown. A back-off the runner may defer ends the run with a `retry` outcome:
 * the attempt count and its time are checkpointed, and a later run continues with that attempt.
 */
export async function runAttempts(
  policy: AttemptPolicy,
  context: StepContext,
  input: unknown,
  work: (attempt: number, signal: AbortSignal) => Promise<unknown>,
  timeoutError: (ms: number) => Error,
): Promise<AttemptsResult> {
  const attempts = policy.retries + 1;
  const parked = context.parkedRetry(policy.id);
  if (parked) {
    const early = Date.parse(parked.at) - context.now().getTime();
    if (early > 0) {
      if (context.mayDefer(early)) return { kind: 'retry', attempt: parked.attempt, at: parked.at };
      await context.sleep(early);
    }
  }
  const first = parked?.attempt ?? 1;
  for (let attempt = first; ; attempt++) {
    if (attempt !== first || !context.startWrittenAhead(policy.id)) {
      context.record(policy.id, policy.type, startedEntry(policy, input, attempt));
      await context.persist();
    }
    const began = Date.now();
    try {
      const result = await withTimeout(
        context,
        policy,
        (signal) => work(attempt, signal),
        timeoutError,
      );
      return { kind: 'done', result };
    } catch (error) {
      if (attempt >= attempts) throw error;
      context.record(policy.id, policy.type, {
        action: 'failed',
        input,
        output: { attempt, of: attempts },
        error,
        durationMs: Date.now() - began,
      });
      const delayMs = policy.retry_delay * 1000 * policy.retry_backoff ** (attempt - 1);
      if (context.mayDefer(delayMs)) {
        const at = new Date(context.now().getTime() + delayMs).toISOString();
        return { kind: 'retry', attempt: attempt + 1, at };
      }
      await context.sleep(delayMs);
    }
  }
}

/** Races the work against the step's and the run's budgets; `signal` aborts when time is up. */
async function withTimeout<T>(
  context: StepContext,
  policy: AttemptPolicy,
  work: (signal: AbortSignal) => Promise<T>,
  timeoutError: (ms: number) => Error,
): Promise<T> {
  const controller = new AbortController();
  const budgets = [
    policy.timeout === undefined ? null : policy.timeout * 1000,
    context.remainingMs(),
  ];
  const limits = budgets.filter((ms): ms is number => ms !== null);
  if (limits.length === 0) return work(controller.signal);
  const ms = Math.max(0, Math.min(...limits));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = timeoutError(ms);
      // Rejected first, so the race settles on the timeout, not on how the work reacts to the abort.
      reject(error);
      controller.abort(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
