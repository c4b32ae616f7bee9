import type { LocatedStep, WorkflowDefinition } from '../definition/definition-types';
import { defaultNext } from '../definition/step-graph';
import type { TraceCarrier } from '../telemetry';
import type { Entry, Execution, ExecutionRuntime, RuntimeFrame } from '../types';
import { ChangeTracker } from './change-tracker';
import type { Replay } from './replay';

/** How one call of the engine runs. */
export interface RunOptions {
  /**
   * Retry back-offs of top-level `call` steps at least this long end the run with a checkpoint
   * (status `running`, `runtime.retry` saying when) instead of waiting in this process; the runner
   * then drives the execution again when it is due. @defaultValue never: back-offs wait in process
   */
  deferRetriesFromMs?: number;
  /** Told when a resume (or timer) left the halt: its first checkpoint won over any other. */
  onAccepted?: (execution: Execution) => void;
  /**
   * The lease this run holds on an execution: the checkpoint that leaves `running` (a halt, the end,
   * a failure) gives it up in the same write, and says so through `released`; a halt at an `event`
   * step keeps it, for the holder's catch-up of events kept since the wait began.
   */
  lease?: RunLease;
  /**
   * The trace context of whoever asked for this run, when it came through a queue job; in process
   * the active context is used. @defaultValue the active context
   */
  caller?: TraceCarrier;
  /** When the resume being applied was asked for (epoch ms), for the resume latency metric. */
  requestedAt?: number;
}

/** The lease a run holds (or takes with its first checkpoint) on the execution it drives. */
export interface RunLease {
  executionId: string;
  owner: string;
  released: () => void;
  /**
   * The lease is not held yet: the run's first checkpoint takes it for `ttlMs`, refused as `claim`
   * is (a stale revision, another owner's live lease), and says so through `claimed`. Saves the
   * claim's own write; nothing the run does outside memory comes before that checkpoint.
   */
  claimWithFirstCheckpoint?: { ttlMs: number; claimed: () => void };
}

/** The innermost loop being iterated in `frames`, if any. */
export function topLoop(frames: RuntimeFrame[]): LoopFrame | undefined {
  const top = frames[frames.length - 1];
  return top?.type === 'loop' ? top : undefined;
}

export type LoopFrame = RuntimeFrame & { type: 'loop' };

/**
 * One execution being driven: the copy last saved, and the working state the next checkpoint will
 * save (context, position, loop frames, last resume payload).
 */
export class RunState {
  ctx: Record<string, unknown>;
  runtime: ExecutionRuntime;
  /** Entries recorded since the last checkpoint; the next one saves them. */
  readonly pending: Entry[] = [];
  /** The step whose first `started` entry was recorded ahead, until that step asks for it. */
  startAhead: string | null = null;
  /**
   * A move not yet checkpointed (undefined: none): the end of a loop body's sequence, which the
   * loop step's next move carries, so an iteration costs one write.
   */
  pendingPosition: string | null | undefined = undefined;
  /** Set while a fork replays the steps before the one it runs on from. */
  replay?: Replay;
  /** The lease the next checkpoint takes, until one did (`RunLease.claimWithFirstCheckpoint`). */
  leaseToClaim: RunLease['claimWithFirstCheckpoint'];
  /** What the store holds of the execution: the next checkpoint writes the difference. */
  stored: ChangeTracker;
  /**
   * Context variables a step read or a service made: an object among them may have changed in
   * place, so checkpoints compare it with what was written even while the variable holds the same
   * object. Others are unchanged while they hold the same value.
   */
  readonly exposed = new Set<string>();

  constructor(
    public saved: Execution,
    readonly definition: WorkflowDefinition,
    readonly options: RunOptions = {},
  ) {
    this.ctx = structuredClone(saved.ctx);
    this.runtime = structuredClone(saved.runtime ?? { frames: [], response: null, approved: null });
    this.leaseToClaim = options.lease?.claimWithFirstCheckpoint;
    this.stored = new ChangeTracker(saved.revision === undefined ? null : this.ctx);
  }

  get frames(): RuntimeFrame[] {
    return this.runtime.frames;
  }

  /** Milliseconds left of the workflow's `timeout` at `now`, or null when it has none. */
  remainingMs(now: Date): number | null {
    const timeout = this.definition.timeout;
    if (timeout === undefined) return null;
    return this.saved.createdAt.getTime() + timeout * 1000 - now.getTime();
  }

  /** The step a step continues with when its outcome names none. */
  successor(located: LocatedStep): string | null {
    const { step } = located;
    if (step.type !== 'router' && step.type !== 'end' && step.next !== undefined) return step.next;
    return defaultNext(located.sequence, located.position, located.owner !== null);
  }

  located(stepId: string): LocatedStep | undefined {
    return this.definition.index.get(stepId);
  }

  /** The name entries use: `loopId:stepId` inside a body. */
  entryName(stepId: string): string {
    const owner = this.definition.index.get(stepId)?.owner;
    return owner ? `${owner.id}:${stepId}` : stepId;
  }

  /**
   * The execution as the next checkpoint will save it (with `runtime`, the working one by default),
   * with `changes` applied. Built field by field: this runs at every checkpoint, and V8 copies
   * spread objects slowly.
   */
  next(changes: Partial<Execution>, runtime: ExecutionRuntime = this.runtime): Execution {
    const { saved } = this;
    const next: Execution = {
      id: saved.id,
      workflowId: saved.workflowId,
      workflowVersion: saved.workflowVersion,
      status: saved.status,
      input: saved.input,
      ctx: this.ctx,
      currentStep: this.pendingPosition === undefined ? saved.currentStep : this.pendingPosition,
      result: saved.result,
      recoverTo: saved.recoverTo,
      haltData: saved.haltData,
      error: saved.error,
      createdAt: saved.createdAt,
      updatedAt: saved.updatedAt,
      runtime,
    };
    if (saved.revision !== undefined) next.revision = saved.revision;
    return Object.assign(next, changes);
  }
}
