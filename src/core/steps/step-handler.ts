import type { StepDefinition } from '../definition/definition-types';
import type { EntryDraft, StepContext, StepOutcome } from '../engine/step-context';
import type { Execution, ResumePayload, RuntimeFrame } from '../types';

/** What a step that halted the execution sees when a resume, a timer or its child comes. */
export interface HaltedStepContext {
  /** The halted execution, as stored. */
  readonly execution: Execution;
  /** The working context; handlers write their variables here. */
  readonly ctx: Record<string, unknown>;
  now(): Date;
  /** Whether the halt's timer (`resume_at`, `expires_at`) has come. */
  timerDue(): boolean;
  /** Passes the resume on to the child execution this step waits on; the child afterwards. */
  resumeChild(payload: ResumePayload): Promise<Execution>;
  /** Passes a timer on to the child execution this step waits on; the child afterwards. */
  fireChildTimer(): Promise<Execution>;
  /** Cancels the child execution this step waits on, unless it has finished. */
  cancelChild(): Promise<void>;
}

/**
 * Everything one step type does. `run` is required; the rest only for steps that halt, wait on a
 * child or iterate. Adding a step type means one file with its handler and a line in the registry.
 */
export interface StepHandler<S extends StepDefinition = StepDefinition> {
  /** Runs the step in the step loop. */
  run(step: S, context: StepContext): Promise<StepOutcome>;
  /**
   * The `started` entry of the first attempt of a step that checkpoints one before it acts (a
   * call). The step loop writes it ahead, with the checkpoint that moves to the step, which saves
   * the step a write of its own; the step then asks `startWrittenAhead`. May throw when the step
   * cannot start (an input that does not resolve): the step meets the same problem when it runs.
   */
  startEntry?(step: S, context: StepContext): EntryDraft;
  /** What is wrong with a resume of an execution halted here; empty when it can be accepted. */
  resumeProblems?(step: S, payload: ResumePayload): string[];
  /** Leaves the halt on a resume. Without it, a resume continues where the halt said to. */
  resume?(step: S, halted: HaltedStepContext, payload: ResumePayload): Promise<StepOutcome>;
  /** A timer came for the halt: how to leave it, or null to stay halted unchanged. */
  fireTimer?(step: S, halted: HaltedStepContext): Promise<StepOutcome | null>;
  /** The child execution this step waits on finished by itself: how the parent goes on. */
  childFinished?(step: S, child: Execution, ctx: Record<string, unknown>): StepOutcome;
  /**
   * The body of an iterating step ran to its end: `enter` repeats it with the frame given, any other
   * outcome leaves the loop. The frame has already been taken off the stack.
   */
  endIteration?(step: S, frame: RuntimeFrame & { type: 'loop' }, context: StepContext): StepOutcome;
  /**
   * How a fork passes this step on its way to the step it runs on from, without doing it again:
   * `'compute'` runs it (it only reads and writes the context: a loop, a parallel step), a function
   * rebuilds its outcome from the output its `completed` entry recorded. A fork refuses to pass a
   * step whose handler has neither.
   */
  replay?: 'compute' | ((step: S, output: unknown, context: ReplayContext) => StepOutcome);
}

/** What a step replayed by a fork may change: the context and the last resume's payload. */
export interface ReplayContext {
  /** The working context; handlers write their variables here. */
  readonly ctx: Record<string, unknown>;
  /** Sets `$response` and `$approved` as the resume this step had in the execution forked. */
  answered(payload: { response: unknown; approved: boolean | null }): void;
}

/** The output a resumed halt recorded (`continueAfterResume`), as `$response` and `$approved`. */
export function replayAnswer(output: unknown, context: ReplayContext): void {
  const answer = (output ?? {}) as { response?: unknown; approved?: unknown };
  context.answered({
    response: answer.response ?? null,
    approved: typeof answer.approved === 'boolean' ? answer.approved : null,
  });
}

/** The resume every halt accepts: carry the payload on and continue where the halt said to. */
export function continueAfterResume(
  halted: HaltedStepContext,
  payload: ResumePayload,
): StepOutcome {
  return {
    kind: 'continue',
    result: { approved: payload.approved ?? null, response: payload.response ?? null },
    next: halted.execution.recoverTo,
  };
}
