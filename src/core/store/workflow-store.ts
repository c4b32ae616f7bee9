import type { Entry, Execution, ExecutionStatus } from '../types';

export interface FindQuery {
  workflowId?: string;
  status?: ExecutionStatus;
  /** @defaultValue 100 */
  limit?: number;
  /**
   * The id of the last execution of the previous page: only executions after it in the order of
   * `find` (older, or created in the same millisecond with a smaller id). Refused with
   * `RejectedValueError` when no such execution exists.
   */
  before?: string;
}

export interface ExecutionIdsQuery {
  workflowId?: string;
  /** @defaultValue 1000 */
  limit?: number;
}

export interface CheckpointOptions {
  /**
   * Gives up this owner's lease on the execution in the same write (a run that halts or ends), saving
   * the round trip of `releaseClaim`. A lease held by another owner is left as it is.
   */
  releaseLeaseOf?: string;
  /**
   * Takes this owner's lease on the execution in the same write, as `claim` does, saving its round
   * trip: the write is refused with `ConcurrentUpdateError` when another owner holds a live lease, as
   * it is when the revision is stale. With `releaseLeaseOf` naming the same owner, no lease is left.
   */
  claimLeaseFor?: LeaseClaim;
  /**
   * The execution's entry in the index of event waits, written in the same atomic write: the wait
   * to index (it halts at an `event` step), null to remove its entry (it leaves one), or left out
   * to change nothing.
   */
  eventWait?: EventWaitIndex | null;
  /**
   * What changed since the revision being written over, for a store that writes only that: the
   * context variables set or removed and the loop results appended. `input` never changes after the
   * insert. Left out (and on an insert), the store writes the whole execution, replacing whatever
   * it kept in parts.
   */
  changes?: CheckpointChanges;
}

/** A checkpoint's change to the execution as stored. */
export interface CheckpointChanges {
  /** Context variables set or changed, by name: their values are the execution's. */
  setVariables: string[];
  /** Context variables gone from the execution's context. */
  removedVariables: string[];
  /** Every loop frame in `runtime.frames`: what of its items and results the store lacks. */
  loops: LoopChange[];
  /** Keys of loops stored before and no longer iterated: their items and results go. */
  endedLoops: string[];
  /**
   * `runtime.history` (`$history`, kept when a workflow reads it): items from `appendFrom` on are
   * new; `begun` when none of it is stored in parts yet. Left out when the runtime has none.
   */
  history?: { appendFrom: number; begun: boolean };
}

/** Brings the stored items and results of one loop frame up to date. */
export interface LoopChange {
  /** Its position in `runtime.frames`. */
  frame: number;
  /** Its key among the execution's loops: its position and step id. */
  key: string;
  /**
   * Results from this index on are new. 0 for a loop that began since (or was never stored in
   * parts): its items are written too, and any stored under its key replaced.
   */
  appendFrom: number;
  begun: boolean;
}

/** A lease to take: for `owner`, expiring `ttlMs` after the write. */
export interface LeaseClaim {
  owner: string;
  ttlMs: number;
}

/** An execution waiting for an event: what sending one looks up. */
export interface EventWaitIndex {
  name: string;
  /** The match's field names, sorted: waits with the same fields share a shape. */
  fields: string[];
  /** A digest of the name, the fields and their values: the one key the index is looked up by. */
  key: string;
}

/** An event as kept for lookback and for at-most-once delivery per id. */
export interface StoredEvent {
  id: string;
  name: string;
  payload: unknown;
  sentAt: Date;
}

/** Events kept whose deliveries were never handed off (`markEventDelivered`), for redelivery. */
export interface UndeliveredEventsQuery {
  /** Only events sent before this moment: those sent since may still be on their way. */
  sentBefore: Date;
  /** @defaultValue 100 */
  limit?: number;
}

/** Events kept longer than the retention; `pruneEvents` removes them. */
export interface PruneEventsQuery {
  sentBefore: Date;
  /** @defaultValue 1000 */
  limit?: number;
}

/** How many executions of one workflow are in one status. */
export interface ExecutionCount {
  workflowId: string;
  status: ExecutionStatus;
  count: number;
}

/** The order `countExecutions` returns: by workflow id, then status, by code unit (not collation). */
export function compareCounts(a: ExecutionCount, b: ExecutionCount): number {
  if (a.workflowId !== b.workflowId) return a.workflowId < b.workflowId ? -1 : 1;
  return a.status < b.status ? -1 : a.status > b.status ? 1 : 0;
}

export interface DeleteFinishedQuery {
  /** Only executions created before this moment. */
  createdBefore: Date;
  /** @defaultValue 1000 */
  limit?: number;
}

export interface ClaimableQuery {
  /** @defaultValue 100 */
  limit?: number;
}

export interface LapsedSlotsQuery {
  /** @defaultValue 100 */
  limit?: number;
}

export interface DueTimersQuery {
  /** Only timers due at or before this moment. */
  dueBefore: Date;
  /** @defaultValue 100 */
  limit?: number;
}

/** The seed's seven methods: what any store, including an application's own, must provide. */
export interface WorkflowStore {
  /** Inserts or updates; returns the execution as stored (new `revision`, `updatedAt`). */
  save(execution: Execution): Promise<Execution>;
  load(executionId: string): Promise<Execution | null>;
  /** Appends an entry to its execution's trail. */
  record(entry: Entry): Promise<Entry>;
  /** The trail, oldest first. */
  entries(executionId: string): Promise<Entry[]>;
  /** Newest first. */
  find(query?: FindQuery): Promise<Execution[]>;
  /** Removes the execution and its entries; false when there was none. */
  delete(executionId: string): Promise<boolean>;
  executionIds(query?: ExecutionIdsQuery): Promise<string[]>;
}

/**
 * What many workers need on top of the seed's interface: atomic checkpoints and leases; and counts,
 * for an overview that does not read every execution.
 * Every store shipped here implements it.
 */
export interface DurableWorkflowStore extends WorkflowStore {
  /**
   * Saves the execution and appends the entries as one atomic write: either both are visible or
   * neither is. Fails with `ConcurrentUpdateError` when the execution's revision is stale.
   */
  checkpoint(
    execution: Execution,
    entries: readonly Entry[],
    options?: CheckpointOptions,
  ): Promise<Execution>;
  /**
   * Takes the execution's lease for `workerId` for `ttlMs`, unless another worker holds an unexpired
   * one. Claiming bumps the revision, so copies loaded before the claim can no longer be saved: a
   * worker that lost its lease is fenced off. Returns the execution as claimed, or null when the lease
   * is held by another worker or the execution does not exist.
   */
  claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null>;
  /** Pushes a live lease's expiry to `ttlMs` from now; false when `workerId` no longer holds a live lease. */
  extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up; false when `workerId` did not hold it. */
  releaseClaim(executionId: string, workerId: string): Promise<boolean>;
  /**
   * Executions left `pending` or `running` with no live lease (a crashed worker's), oldest first,
   * leaving out those in line for a concurrency slot that holds none (a freed slot is handed on to
   * them, and one that lapsed is found by `findLapsedSlots`); then `halted` executions whose lease expired without being released (a worker died answering
   * a resume or a timer), oldest first. Releasing a lease, or a checkpoint that releases it, takes
   * a halted execution out.
   */
  findClaimable(query?: ClaimableQuery): Promise<Execution[]>;
  /** Every execution counted by workflow and status (no zero counts), sorted by workflow then status. */
  countExecutions(): Promise<ExecutionCount[]>;
  /**
   * Removes up to `limit` completed, failed or cancelled executions created before `createdBefore`,
   * oldest first, with their entries; returns how many. Call again until it returns 0.
   */
  deleteFinished(query: DeleteFinishedQuery): Promise<number>;
  /**
   * Halted executions whose timer (a `wait`'s `resume_at`, an approval's `expires_at`, as
   * `timerDueAt` reads them from the halt data) is due at or before `dueBefore` and that no live
   * lease holds, earliest due first. Read from an index of due times that every checkpoint keeps,
   * so the cost does not grow with the number of halted executions; leaving the halt takes an
   * execution out. Executions halted before a store kept that index are not found here.
   */
  findDueTimers?(query: DueTimersQuery): Promise<Execution[]>;
  /**
   * Where the store keeps executions (database and table, or Redis server and key prefix; never a
   * password), for messages that must say which store was looked in.
   */
  describe?(): string;
  /**
   * Keeps an event unless one with its id is kept already; returns the event kept under that id
   * (the earlier one when the id was sent before) and whether this call added it. An event it adds
   * is undelivered until `markEventDelivered`.
   */
  acceptEvent(event: StoredEvent): Promise<{ event: StoredEvent; created: boolean }>;
  /**
   * Notes that the event's deliveries were handed off (each an accepted resume): it is no longer
   * among the `undeliveredEvents`. An event not kept is left as it is.
   */
  markEventDelivered(eventId: string): Promise<void>;
  /**
   * Events kept and not marked delivered, sent before `sentBefore`, oldest first: those whose
   * sender stopped between keeping and handing off. Read from an index of such events only.
   */
  undeliveredEvents(query: UndeliveredEventsQuery): Promise<StoredEvent[]>;
  /** The distinct match field sets of the waits ever indexed for this event name. */
  eventWaitShapes(name: string): Promise<string[][]>;
  /** Ids of the executions indexed as waiting under any of these keys. */
  eventWaiters(keys: readonly string[]): Promise<string[]>;
  /** Events of this name sent at or after `since`, oldest first, at most `limit` (100). */
  retainedEvents(name: string, since: Date, limit?: number): Promise<StoredEvent[]>;
  /** Removes up to `limit` events sent before the moment, oldest first; returns how many. */
  pruneEvents(query: PruneEventsQuery): Promise<number>;
  /**
   * Puts the execution in line for a concurrency slot of its workflow and key (once; its place is
   * `queuedAt`, then its id) and gives it a slot, held by `holder` for `ttlMs`, when fewer than
   * `limit` slots are live and no more than the free ones wait ahead of it. True when it holds a
   * slot (then renewed), false when it waits. A slot whose holder did not renew it in time is free
   * again, and its execution back in line at its old place.
   */
  takeSlot(request: SlotRequest): Promise<boolean>;
  /** Pushes a live slot's expiry to `ttlMs` from now; false when `holder` no longer holds it. */
  extendSlot(executionId: string, holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Gives the execution's slot or place in line up; returns the executions in line that a slot is
   * free for now, oldest first, for the caller to hand on (empty when it had none). With
   * `handOnTtlMs` each of them is handed its slot for that long, so it is theirs when they ask
   * (`takeSlot`), and lapses if the hand-on is lost.
   */
  releaseSlot(executionId: string, handOnTtlMs?: number): Promise<string[]>;
  /**
   * Executions whose slot, held or handed on, lapsed without being given up or renewed, the
   * longest lapsed first: read from an index of expiries, never by walking the lines.
   */
  findLapsedSlots(query?: LapsedSlotsQuery): Promise<string[]>;
}

/** A request for one of `limit` slots of a workflow and key value. */
export interface SlotRequest {
  executionId: string;
  workflowId: string;
  /** The value of the workflow's `concurrency.key` for this execution. */
  key: string;
  limit: number;
  /** Its place in line (its creation): earlier ones get a slot first. */
  queuedAt: Date;
  holder: string;
  ttlMs: number;
}

export const DEFAULT_FIND_LIMIT = 100;
export const DEFAULT_EXECUTION_IDS_LIMIT = 1000;
export const DEFAULT_CLAIMABLE_LIMIT = 100;
export const DEFAULT_DUE_TIMERS_LIMIT = 100;
export const DEFAULT_LAPSED_SLOTS_LIMIT = 100;
export const DEFAULT_DELETE_FINISHED_LIMIT = 1000;
export const DEFAULT_RETAINED_EVENTS_LIMIT = 100;
export const DEFAULT_PRUNE_EVENTS_LIMIT = 1000;
export const DEFAULT_UNDELIVERED_EVENTS_LIMIT = 100;
