import type { Entry, Execution, ExecutionStatus } from '../../core/types';
import type { EncodedEntry, EncodedExecution } from '../store-input';
import type { EncodedParts } from '../execution-parts';
import type {
  EventWaitIndex,
  ExecutionCount,
  FindQuery,
  LeaseClaim,
  StoredEvent,
} from '../../core/store/workflow-store';

/** What one checkpoint writes: the execution, its encoded JSON, and the entries to append. */
export interface CheckpointWrite {
  execution: Execution;
  encoded: EncodedExecution;
  entries: readonly Entry[];
  encodedEntries: readonly EncodedEntry[];
  updatedAt: Date;
  /** The owner whose lease the update gives up, if it holds it; null to leave the lease alone. */
  releaseLeaseOf: string | null;
  /** The lease the update takes, refused when another owner holds a live one; null to take none. */
  claimLeaseFor: LeaseClaim | null;
  /** When the halted execution's timer is due (`timer_due_at`); null when it waits on none. */
  timerDueAt: Date | null;
  /** The execution's event wait to index, null to remove it, undefined to leave it. */
  eventWait: EventWaitIndex | null | undefined;
  /**
   * The parts that changed, for an update written in parts (then `encoded` is not written); null
   * for a write of the whole execution, which removes its parts.
   */
  parts: EncodedParts | null;
  /** A whole write: whether parts may exist to remove (false when none can, see the store). */
  clearParts: boolean;
}

/** The statements of events, one round trip each. */
export interface SqlEventDialect {
  /** Inserts the event unless its id is kept; returns the kept one and whether it was added. */
  acceptEvent(
    event: StoredEvent,
    payload: string,
  ): Promise<{ event: StoredEvent; created: boolean }>;
  /** Clears the event's `undelivered_since`. */
  markEventDelivered(eventId: string): Promise<void>;
  /** Events with `undelivered_since` before the moment, oldest first. */
  undeliveredEvents(sentBefore: Date, limit: number): Promise<StoredEvent[]>;
  eventWaitShapes(name: string): Promise<string[][]>;
  eventWaiters(keys: readonly string[]): Promise<string[]>;
  retainedEvents(name: string, since: Date, limit: number): Promise<StoredEvent[]>;
  pruneEvents(sentBefore: Date, limit: number): Promise<number>;
}

/**
 * The statements of one database. Each method is one round trip (or one synchronous transaction on
 * SQLite); the store around it validates input and turns outcomes into errors.
 */
export interface SqlDialect {
  /** Events kept and executions waiting for them. */
  readonly events: SqlEventDialect;
  /** Inserts a new execution with its entries; null when the id is taken. Returns the new revision. */
  insert(write: CheckpointWrite): Promise<number | null>;
  /** Updates from `write.execution.revision`; null when that revision is not the stored one. */
  update(write: CheckpointWrite): Promise<number | null>;
  currentRevision(executionId: string): Promise<number | null>;
  load(executionId: string): Promise<Execution | null>;
  /** Appends one entry; false when its execution does not exist. */
  record(entry: Entry, encoded: EncodedEntry): Promise<boolean>;
  entries(executionId: string): Promise<Entry[]>;
  find(query: FindQuery & { limit: number }): Promise<Execution[]>;
  delete(executionId: string): Promise<boolean>;
  executionIds(workflowId: string | undefined, limit: number): Promise<string[]>;
  claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null>;
  extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean>;
  releaseClaim(executionId: string, workerId: string): Promise<boolean>;
  findClaimable(limit: number): Promise<Execution[]>;
  /** Halted executions without a live lease whose timer is due by `dueBefore`, earliest first. */
  findDueTimers(dueBefore: Date, limit: number): Promise<Execution[]>;
  countExecutions(): Promise<ExecutionCount[]>;
  /** Deletes up to `limit` finished executions created before the moment, oldest first; returns how many. */
  deleteFinished(createdBefore: Date, limit: number): Promise<number>;
}

/**
 * The WHERE clause of `find` and its values; `placeholder(n)` writes the n-th (1-based) parameter.
 * `before` is a keyset condition: after that execution in (created_at DESC, id DESC) order.
 */
export function findWhere(
  query: FindQuery,
  placeholder: (n: number) => string,
): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (param: string) => string, value: unknown) =>
    conditions.push(condition(placeholder(params.push(value))));
  if (query.workflowId !== undefined) add((p) => `workflow_id = ${p}`, query.workflowId);
  if (query.status !== undefined) add((p) => `status = ${p}`, query.status);
  if (query.before !== undefined) {
    add(
      (p) => `(created_at, id) < (SELECT created_at, id FROM workflow_executions WHERE id = ${p})`,
      query.before,
    );
  }
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** Both dialects' count: one row per workflow and status. */
export const COUNT_EXECUTIONS_SQL = `SELECT workflow_id, status, count(*) AS n FROM workflow_executions
  GROUP BY workflow_id, status`;

export interface CountRow {
  workflow_id: string;
  status: ExecutionStatus;
  /** A string from Postgres (bigint), a number from SQLite. */
  n: string | number;
}

export function toExecutionCount(row: CountRow): ExecutionCount {
  return { workflowId: row.workflow_id, status: row.status, count: Number(row.n) };
}

/**
 * The execution's state columns, workflow_id through error, in the order both dialects' inserts
 * and updates write them.
 */
export function executionStateValues({ execution, encoded }: CheckpointWrite): unknown[] {
  return [
    execution.workflowId,
    execution.workflowVersion,
    execution.status,
    encoded.input,
    encoded.ctx,
    execution.currentStep,
    encoded.result,
    execution.recoverTo,
    encoded.haltData,
    execution.error,
  ];
}
