export type ExecutionStatus =
  'pending' | 'running' | 'completed' | 'halted' | 'failed' | 'cancelled';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'pending',
  'running',
  'completed',
  'halted',
  'failed',
  'cancelled',
];

/** The statuses nothing happens in any more: no step runs, no resume or timer applies. */
export const FINISHED_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled'];

export function isFinished(status: ExecutionStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

export interface Execution {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  input: Record<string, unknown>;
  ctx: Record<string, unknown>;
  currentStep: string | null;
  result: unknown;
  recoverTo: string | null;
  haltData: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The engine's own position, saved with every checkpoint: where it is inside loops and
   * sub-workflows, and the payload of the last resume. Null before the first step; stores keep it as
   * JSON and never interpret it.
   */
  runtime?: ExecutionRuntime | null;
  /**
   * Optimistic-concurrency counter kept by the store: every successful save returns the execution with
   * `revision` one higher. Leave it out for an execution that was never saved; a save from a copy whose
   * revision is stale fails with `ConcurrentUpdateError`.
   */
  revision?: number;
}

/** A loop being iterated, or a step waiting on a child execution. */
export type RuntimeFrame =
  | {
      type: 'loop';
      stepId: string;
      /** The items of an `over` loop, resolved when it began; null for a `while` loop. */
      items: unknown[] | null;
      index: number;
      results: unknown[];
      /** The result of the body step that ran last in this iteration. */
      last: unknown;
    }
  | { type: 'workflow'; stepId: string; childExecutionId: string };

export interface ExecutionRuntime {
  frames: RuntimeFrame[];
  /** `$response` and `$approved`: what the last resume carried. */
  response: unknown;
  approved: boolean | null;
  /**
   * Set on a child execution: the parent and the step waiting for it, and how deep it nests (1 for
   * a child of an execution that has no parent). `rootId`: the execution at the top of its tree, so
   * a worker finds whose lease guards it without loading every ancestor (absent on children
   * written before it was kept).
   */
  parent?: { executionId: string; stepId: string; depth?: number; rootId?: string };
  /** Halts so far: tells one halt from the next, as claims and saves change the revision. */
  halts?: number;
  /** A `call` step waiting out its retry back-off outside any process: the attempt due, and when. */
  retry?: { stepId: string; attempt: number; at: string };
  /**
   * A resume accepted for halt `halts` and not yet applied: what it carries, and the lease owner
   * the acceptance claimed the execution for. A worker that dies before applying it leaves it here,
   * for the recovery sweep to apply.
   */
  acceptedResume?: { halts: number; payload: ResumePayload; owner: string };
  /**
   * A resume (or, without `resume`, a due timer) of halt `halts` that came while the workflow's
   * concurrency limit had no free slot: the execution waits `pending`, in line from `since`
   * (ISO-8601), and the answer is applied once it holds a slot.
   */
  parked?: { halts: number; since: string; resume?: ResumePayload };
  /** How often the step in flight was taken over after its worker stopped without a checkpoint. */
  recoveries?: { stepId: string | null; count: number };
  /** Set on an execution a tick of the workflow's schedule started: the tick (ISO-8601). */
  scheduledFor?: string;
  /** `$history`: the completed steps, oldest first; kept only when the workflow reads it. */
  history?: HistoryItem[];
  /** Ids of the events delivered to this execution: each is delivered to it at most once. */
  events?: string[];
  /**
   * Set when the execution failed: the step that failed and the loops being iterated when it began.
   * With the context (a failed step leaves it as it was before the step), it is where `retry` starts.
   */
  failure?: FailurePoint;
  /** How many times `retry` ran the execution again; tells one retry's queue job from the next. */
  retries?: number;
  /** Set on an execution made by `fork`: the execution it was forked from, and the step it ran on from. */
  forkedFrom?: { executionId: string; fromStep: string };
  /** The trace the execution's runs belong to: its start caller's, or its first run's. */
  trace?: Record<string, string>;
}

/** One completed step, as `$history` lists it. */
export interface HistoryItem {
  step: string;
  type: string;
  output: unknown;
}

/** Where a failed execution stood before the step that failed: what `retry` goes back to. */
export interface FailurePoint {
  /** The step that failed (inside a loop body, its own id); null when the run failed at its end. */
  stepId: string | null;
  /** The loops being iterated when that step began, innermost last. */
  frames: RuntimeFrame[];
}

/**
 * `retried`: `retry` ran the execution again from this step. `forked`: on a fork, it runs on anew
 * from this step; on the execution forked, a fork was made from this step (`output.executionId`).
 */
export type EntryAction = 'started' | 'completed' | 'failed' | 'halted' | 'retried' | 'forked';

export const ENTRY_ACTIONS: readonly EntryAction[] = [
  'started',
  'completed',
  'failed',
  'halted',
  'retried',
  'forked',
];

export interface Entry {
  id: string;
  executionId: string;
  stepId: string;
  stepType: string;
  action: EntryAction;
  durationMs: number | null;
  input: unknown;
  output: unknown;
  error: string | null;
  timestamp: Date;
}

/** What a resume carries: `$response` and, for an approval, `$approved`. */
export interface ResumePayload {
  response?: unknown;
  approved?: boolean;
  /** Set when the resume delivers an event (`response` is its payload) to an `event` step. */
  event?: { id: string; name: string };
}
