import type { LocatedStep } from '../definition/definition-types';
import type { FailurePoint, RuntimeFrame } from '../types';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft, StepOutcome } from './step-context';

/** What a step's context writes to: the checkpointed run, or a parallel branch in memory. */
export interface ContextTarget {
  readonly ctx: Record<string, unknown>;
  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void;
  /** Checkpoints now, with the entries recorded so far. */
  persist(): Promise<void>;
  /** Whether a retry back-off of `ms` ends the run with a checkpoint instead of a wait. */
  mayDefer(ms: number): boolean;
  parkedRetry(stepId: string): { attempt: number; at: string } | null;
  /**
   * Whether the `started` entry of this step's first attempt went out with the checkpoint that
   * moved to it, so the step must not write it again. Answers once.
   */
  startWrittenAhead(stepId: string): boolean;
}

type Halt = Extract<StepOutcome, { kind: 'halt' }>;
type Retry = Extract<StepOutcome, { kind: 'retry' }>;

/**
 * Where the step loop runs and what each move means there. On the execution a move is a checkpoint;
 * in a parallel branch it is a change in memory, and a halt is refused. Each method that can stop the
 * run answers true when it did.
 */
export interface StepTrack extends ContextTarget {
  readonly state: RunState;
  /** The loops being iterated, innermost last. */
  readonly frames: RuntimeFrame[];
  /** The step to run next; null at the end of a sequence. */
  position(): string | null;
  /** Ends the run when the workflow's `timeout` has passed. */
  outOfTime(): Promise<boolean>;
  moveTo(located: LocatedStep, next: string | null): Promise<boolean>;
  /**
   * A loop body's sequence ran out: its loop step moves next, and that move's checkpoint carries
   * this one (it is atomic with the step's completion either way).
   */
  endSequence(located: LocatedStep): void;
  enter(
    located: LocatedStep,
    frame: LoopFrame,
    first: string,
    durationMs: number,
  ): Promise<boolean>;
  halt(located: LocatedStep, outcome: Halt, durationMs: number): Promise<boolean>;
  retry(located: LocatedStep, outcome: Retry): Promise<boolean>;
  /**
   * Records the next step's `started` entry now, for the coming checkpoint to carry; false (and
   * nothing recorded) where moves are not checkpoints (a parallel branch).
   */
  recordAhead(stepId: string, stepType: string, draft: EntryDraft): boolean;
  /** Records that a step completed with `result`. */
  completed(located: LocatedStep, result: unknown, durationMs: number): void;
  /** The run ends: with an `end` step's result, or (null) because its sequence ran out. */
  end(finish: { result: unknown } | null): Promise<void>;
  /** A step failed and no `on_error` took the failure; `failure` is where a retry begins. */
  failed(located: LocatedStep, error: unknown, failure: FailurePoint): Promise<void>;
  /** The run cannot go on at all (its position names no step). */
  abort(error: Error): Promise<void>;
  /** Forgets a retry parked for a back-off. */
  clearRetry(): void;
  /** How long the loop of `frame` ran, for its entries. */
  loopDurationMs(frame: LoopFrame): number;
  /** Whether the run stops before this step: a fork's replay stops where the fork runs on. */
  stopsBefore?(stepId: string): boolean;
}
