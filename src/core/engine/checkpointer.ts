import { randomUUID } from 'node:crypto';
import { RejectedValueError } from '../store/store-errors';
import { storeCan } from '../store/store-capabilities';
import type {
  CheckpointOptions,
  DurableWorkflowStore,
  EventWaitIndex,
  WorkflowStore,
} from '../store/workflow-store';
import { eventWaitIndexOf, eventWaitOf } from '../events/event-keys';
import { FINISHED, stepTypeName, type LocatedStep } from '../definition/definition-types';
import { serializeError } from '../error-serialization';
import { ExecutionNotFoundError, StepFailedError } from '../errors';
import type { Entry, Execution, ExecutionRuntime } from '../types';
import { ChangeTracker } from './change-tracker';
import type { RunState } from './run-state';
import type { EntryDraft } from './step-context';
import { lastError } from './step-loop';
import { ownCopy } from './own-copy';

/** What the engine tells `onEvent` of: every entry recorded and every execution saved. */
export type EngineEvent =
  | { type: 'entry'; execution: Execution; entry: Entry }
  | { type: 'execution'; execution: Execution };

export interface CheckpointerOptions {
  store: WorkflowStore | DurableWorkflowStore;
  now: () => Date;
  emit: (event: EngineEvent) => void;
  /** Called once an execution completed or failed: a parent waiting on it may go on. */
  onFinished: (execution: Execution) => Promise<void>;
}

/**
 * Writes a run's progress: the entries recorded since the last checkpoint and the execution, in one
 * write when the store can, conditional on the revision so a run that lost the execution stops.
 */
export class Checkpointer {
  constructor(private readonly options: CheckpointerOptions) {}

  /** Adds an entry to the next checkpoint. */
  record(state: RunState, stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    if (state.definition.readsHistory && draft.action === 'completed') {
      // A copy: the store keeps the item as it was then, whatever later changes the output in place.
      const output = ownCopy(draft.output ?? null);
      const item = { step: state.entryName(stepId), type: stepType, output };
      (state.runtime.history ??= []).push(item);
    }
    state.pending.push({
      id: randomUUID(),
      executionId: state.saved.id,
      stepId: state.entryName(stepId),
      stepType,
      action: draft.action,
      durationMs:
        draft.durationMs === undefined || draft.durationMs === null
          ? null
          : Math.round(draft.durationMs),
      input: draft.input ?? null,
      output: draft.output ?? null,
      error: draft.error === undefined ? null : serializeError(draft.error),
      timestamp: at ?? this.options.now(),
    });
  }

  async commit(state: RunState, changes: Partial<Execution>): Promise<void> {
    // Takeovers are counted per step: moving on means the step in flight survived.
    const currentStep = changes.currentStep ?? state.pendingPosition;
    const movedOn = currentStep !== undefined && currentStep !== state.saved.currentStep;
    // Every new halt data is a new halt, which jobs answering the last one must not answer.
    const halts = changes.haltData ? (state.runtime.halts ?? 0) + 1 : state.runtime.halts;
    // Written from a copy: a write that fails leaves the working runtime as it was, so the same
    // checkpoint tried again counts its halt once.
    const runtime: ExecutionRuntime = { ...state.runtime };
    if (movedOn) delete runtime.recoveries;
    if (halts !== undefined) runtime.halts = halts;
    const execution = state.next(changes, runtime);
    const entries = state.pending.splice(0);
    const { store } = this.options;
    const lease = state.options.lease;
    const ownLease = lease !== undefined && lease.executionId === execution.id;
    // A halt at an `event` step keeps the lease: its holder looks for an event kept since the wait
    // began (the lookback, and the moments before the wait was indexed), then releases it; a
    // holder that dies leaves the lease to expire, and the recovery sweep to look instead.
    const releasing = ownLease && execution.status !== 'running' && !eventWaitOf(execution)?.since;
    const claiming = ownLease ? state.leaseToClaim : undefined;
    const eventWait = eventWaitChange(state.saved, execution);
    const tracked = state.stored.diff(execution.ctx, runtime, state.exposed);
    // An insert, or a checkpoint that changes the input, is written whole; so is a small
    // execution, for which a whole write costs less than parts.
    const inParts =
      execution.revision !== undefined &&
      changes.input === undefined &&
      storeCan(store, 'checkpoint') &&
      worthParts(tracked.contextSize, runtime);
    let saved: Execution;
    try {
      if (storeCan(store, 'checkpoint')) {
        const options: CheckpointOptions = {};
        if (releasing) options.releaseLeaseOf = lease.owner;
        if (claiming && lease)
          options.claimLeaseFor = { owner: lease.owner, ttlMs: claiming.ttlMs };
        if (eventWait !== undefined) options.eventWait = eventWait;
        if (inParts) options.changes = tracked.changes;
        saved = await store.checkpoint(execution, entries, options);
        if (claiming) {
          state.leaseToClaim = undefined;
          claiming.claimed();
        }
        if (releasing) lease.released();
      } else {
        // A store with only the seed's methods: entries after the save, not atomically.
        saved = await store.save(execution);
        for (const entry of entries) await store.record(entry);
      }
    } catch (error) {
      state.pending.unshift(...entries);
      throw error;
    }
    state.stored.written(tracked, inParts);
    // The working ctx and runtime stay the objects step handlers hold; they now equal what was saved.
    if (movedOn) delete state.runtime.recoveries;
    if (halts !== undefined) state.runtime.halts = halts;
    state.saved = saved;
    state.pendingPosition = undefined;
    for (const entry of entries) this.options.emit({ type: 'entry', execution: saved, entry });
    this.options.emit({ type: 'execution', execution: saved });
  }

  /**
   * Checkpoints; when the working state is refused, by the store's own JSON check (a service
   * returned a class instance, say) or by the database (U+0000 on Postgres, a value too large), the
   * step fails instead, with the last stored context, and its `on_error` applies. True when the
   * run stopped.
   */
  async commitOrFail(
    state: RunState,
    located: LocatedStep | null,
    changes: Partial<Execution>,
    onErrorTaken = false,
  ): Promise<boolean> {
    try {
      await this.commit(state, changes);
      return state.saved.status !== 'running';
    } catch (error) {
      // An execution never saved has nothing to roll back to: its start is refused instead.
      if (!(error instanceof RejectedValueError) || state.saved.revision === undefined) throw error;
      await this.rollback(state);
      const stepId = located?.step.id ?? state.saved.currentStep ?? 'end';
      this.record(state, stepId, located ? stepTypeName(located.step) : 'end', {
        action: 'failed',
        error,
      });
      const onError = located?.step.on_error;
      // Outside a loop body the step's on_error applies, from the last stored context.
      if (onError !== undefined && state.frames.length === 0 && !onErrorTaken) {
        state.ctx['_last_error'] = lastError(stepId, error);
        return this.commitOrFail(state, located, { currentStep: onError }, true);
      }
      await this.fail(state, new StepFailedError(stepId, error.message, { cause: error }), true);
      return true;
    }
  }

  /**
   * Checkpoints the first move out of a halt. It is conditional on the revision, so of concurrent
   * resumes exactly one goes on; the others get a `ConcurrentUpdateError`.
   */
  async leaveHalt(state: RunState, currentStep: string | null): Promise<void> {
    await this.commit(state, { status: 'running', haltData: null, recoverTo: null, currentStep });
  }

  async complete(state: RunState, result: unknown): Promise<Execution> {
    state.runtime.frames = [];
    await this.commitOrFail(state, null, {
      status: 'completed',
      result: result ?? null,
      currentStep: null,
      haltData: null,
      recoverTo: null,
    });
    await this.options.onFinished(state.saved);
    return state.saved;
  }

  /** Fails the run; the failed entry of the step in flight is recorded unless it already was. */
  async fail(state: RunState, error: Error, alreadyRecorded = false): Promise<Execution> {
    const stepId = state.saved.currentStep;
    if (!alreadyRecorded && stepId && stepId !== FINISHED) {
      const located = state.located(stepId);
      const type = located ? stepTypeName(located.step) : 'unknown';
      this.record(state, stepId, type, { action: 'failed', error });
    }
    // Where `retry` starts again: the step in flight and the loops it was in, unless the step loop
    // said already (it unwinds loops looking for an on_error).
    const position = state.pendingPosition === undefined ? stepId : state.pendingPosition;
    state.runtime.failure ??= {
      stepId: position === FINISHED ? null : position,
      frames: structuredClone(state.runtime.frames),
    };
    state.runtime.frames = [];
    await this.commit(state, { status: 'failed', error: error.message, haltData: null });
    await this.options.onFinished(state.saved);
    return state.saved;
  }

  /** Forgets working changes that could not be saved, going back to the stored execution. */
  private async rollback(state: RunState): Promise<void> {
    const stored = await this.options.store.load(state.saved.id);
    if (!stored) throw new ExecutionNotFoundError(state.saved.id);
    state.saved = stored;
    state.ctx = stored.ctx;
    state.runtime = stored.runtime ?? { frames: [], response: null, approved: null };
    state.stored = new ChangeTracker(stored.ctx);
    state.pending.length = 0;
    state.startAhead = null;
    state.pendingPosition = undefined;
  }
}

/**
 * Below this context size (JSON characters) a checkpoint is written whole: rewriting a few KB costs
 * the stores less than the rows or keys of parts.
 */
export const PARTS_FROM_CONTEXT_SIZE = 8 * 1024;

/** `$history` this long is appended in parts, whatever the context's size. */
const PARTS_FROM_HISTORY_ITEMS = 100;

/**
 * Written in parts: a large context, a loop being iterated (its results would be rewritten at every
 * iteration), or a long `$history`.
 */
function worthParts(contextSize: number, runtime: ExecutionRuntime): boolean {
  return (
    contextSize >= PARTS_FROM_CONTEXT_SIZE ||
    runtime.frames.some((frame) => frame.type === 'loop') ||
    (runtime.history?.length ?? 0) >= PARTS_FROM_HISTORY_ITEMS
  );
}

/**
 * How a checkpoint changes the index of event waits: the wait of an execution that halts at an
 * `event` step, null when it leaves one, undefined when neither (most checkpoints).
 */
function eventWaitChange(before: Execution, after: Execution): EventWaitIndex | null | undefined {
  const wait = eventWaitIndexOf(after);
  if (wait) return wait;
  // Status aside: a failing event step is marked running before its failure is written.
  return before.haltData?.['type'] === 'event' ? null : undefined;
}
