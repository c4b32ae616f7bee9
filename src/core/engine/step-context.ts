import type { Condition, StepDefinition, WorkflowDefinition } from '../definition/definition-types';
import type { ReferenceScope } from '../runtime/references';
import type { ServiceResolver } from '../services';
import type { StepTypeResolver } from '../custom-step-types';
import type { StoredEvent } from '../store/workflow-store';
import type { EntryAction, Execution, RuntimeFrame } from '../types';

/** What a step records on the trail; the engine adds ids, names and timestamps. */
export interface EntryDraft {
  action: EntryAction;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  durationMs?: number | null;
}

/** An entry recorded by a step, before the engine turns it into a stored `Entry`. */
export interface RecordedDraft {
  stepId: string;
  stepType: string;
  draft: EntryDraft;
  at: Date;
}

/** What a parallel branch produced: its context, its last step's result, its trail. */
export interface BranchOutcome {
  ctx: Record<string, unknown>;
  result: unknown;
  recorded: RecordedDraft[];
}

/** Runs a child execution of another workflow to its end or first halt. */
export interface ChildRunner {
  runChild(
    parent: Execution,
    step: StepDefinition & { type: 'workflow' },
    input: Record<string, unknown>,
  ): Promise<Execution>;
  /** Cancels the child execution of this step, unless it has finished; its id. */
  cancelChild(parent: Execution, step: StepDefinition & { type: 'workflow' }): Promise<string>;
}

/** The events kept by the store, as an `event` step's lookback sees them. */
export interface StepEvents {
  /** The oldest kept event of `name` sent at or after `since` that matches and was not yet delivered here. */
  undelivered(
    name: string,
    match: Record<string, unknown>,
    since: Date,
  ): Promise<StoredEvent | null>;
  /** Records the event as delivered to this execution, with the next checkpoint. */
  delivered(eventId: string): void;
}

/** What a step handler may see and do. */
export interface StepContext {
  readonly definition: WorkflowDefinition;
  readonly execution: Execution;
  /** The working context; handlers write their variables here. */
  readonly ctx: Record<string, unknown>;
  readonly scope: ReferenceScope;
  readonly services: ServiceResolver;
  readonly children: ChildRunner;
  /** The step types the application registered. */
  readonly stepTypes: StepTypeResolver;
  resolve(value: unknown): unknown;
  /**
   * Says a context variable holds what a service made or may keep: it may change in place at any
   * time, so every checkpoint compares it with what was written.
   */
  exposed(name: string): void;
  evaluate(condition: Condition): boolean;
  record(stepId: string, stepType: string, draft: EntryDraft): void;
  /** Checkpoints now, with the entries recorded so far (a `started` entry before a call, say). */
  persist(): Promise<void>;
  now(): Date;
  /** Milliseconds left of the whole-run timeout, or null when there is none. */
  remainingMs(): number | null;
  sleep(ms: number): Promise<void>;
  /**
   * Whether a retry back-off of `ms` should be waited out as a checkpoint and a later run (a
   * delayed job) rather than in this process. Never inside a parallel branch, whose state lives in
   * memory only.
   */
  mayDefer(ms: number): boolean;
  /** The attempt a `call` step parked for its back-off is due to make, and when; null otherwise. */
  parkedRetry(stepId: string): { attempt: number; at: string } | null;
  /**
   * Whether the step's first `started` entry (its handler's `startEntry`) went out with the
   * checkpoint that moved here; then the step does not write it again. Answers once.
   */
  startWrittenAhead(stepId: string): boolean;
  /** Runs a parallel branch on its own context; nothing of it is recorded until adopted. */
  runBranch(steps: StepDefinition[], ctx: Record<string, unknown>): Promise<BranchOutcome>;
  /** Adds a finished branch's trail to this step's entries. */
  adopt(outcome: BranchOutcome): void;
  readonly events: StepEvents;
}

export type StepOutcome =
  /** The step is done; `next` overrides the step's default successor (null ends the sequence). */
  | { kind: 'continue'; result: unknown; next?: string | null }
  /** End the whole run with this result. */
  | { kind: 'finish'; result: unknown }
  /** Halt; `recoverTo` is where a resume continues (undefined: the step's default successor). */
  | { kind: 'halt'; haltData: Record<string, unknown>; recoverTo?: string | null }
  /** Start iterating a loop whose first iteration's variables are already set. */
  | { kind: 'enter'; frame: RuntimeFrame & { type: 'loop' }; first: string }
  /** Checkpoint and stop: a later run makes attempt `attempt` of this step at `at`. */
  | { kind: 'retry'; attempt: number; at: string };
