import type { DataSource } from 'typeorm';
import { ExecutionNotFoundError } from '../../core/errors';
import type { Entry, Execution } from '../../core/types';
import {
  ConcurrentUpdateError,
  RejectedValueError,
  StoreError,
} from '../../core/store/store-errors';
import { encodeEvent, requireEventId, requireEventKeys, resolveMoment } from '../event-input';
import {
  encodeCheckpointEntries,
  encodeEntry,
  encodeExecution,
  missingCursor,
  resolveCreatedBefore,
  resolveDueBefore,
  resolveLimit,
  requireClaimable,
  resolveTtl,
  savedAs,
} from '../store-input';
import {
  compareCounts,
  DEFAULT_CLAIMABLE_LIMIT,
  DEFAULT_DELETE_FINISHED_LIMIT,
  DEFAULT_DUE_TIMERS_LIMIT,
  DEFAULT_EXECUTION_IDS_LIMIT,
  DEFAULT_FIND_LIMIT,
  DEFAULT_PRUNE_EVENTS_LIMIT,
  DEFAULT_RETAINED_EVENTS_LIMIT,
  DEFAULT_UNDELIVERED_EVENTS_LIMIT,
  type PruneEventsQuery,
  type StoredEvent,
  type UndeliveredEventsQuery,
  type CheckpointOptions,
  type DeleteFinishedQuery,
  type DueTimersQuery,
  type ClaimableQuery,
  type DurableWorkflowStore,
  type ExecutionCount,
  type ExecutionIdsQuery,
  type FindQuery,
  type LapsedSlotsQuery,
  type SlotRequest,
  DEFAULT_LAPSED_SLOTS_LIMIT,
} from '../../core/store/workflow-store';
import type { StoreLog } from '../../core/store/store-log';
import { ReadableRecords } from '../readable-records';
import { PostgresDialect, type PgQueryable } from './postgres-dialect';
import type { SqlDialect } from './sql-dialect';
import { SqliteDialect } from './sqlite-dialect';
import { PostgresSlots, type PgPool } from './postgres-slots';
import type { SqlSlots } from './sql-slots';
import { SqliteSlots, type SqliteDatabase } from './sqlite-slots';
import { resolveTables } from './sql-tables';
import { timerDueAt } from '../../core/engine/timer-due';
import { encodeParts } from '../execution-parts';

export interface TypeormWorkflowStoreOptions {
  /** Told of rows that do not read back as executions (left out of lists). @defaultValue none */
  log?: StoreLog;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Stores executions in `workflow_executions` / `workflow_entries` through the application's TypeORM
 * DataSource (Postgres or better-sqlite3). Writes are single statements (Postgres) or single
 * synchronous transactions (SQLite) rather than repository saves: a checkpoint is one round trip.
 */
export class TypeormWorkflowStore implements DurableWorkflowStore {
  private dialectInstance?: SqlDialect;
  private slotsInstance?: SqlSlots;
  private readonly readable: ReadableRecords;
  /**
   * Executions this store wrote whole, by the revision it gave them: one still at that revision
   * was written by no one since, so it has no parts a whole write would have to remove.
   */
  private readonly writtenWhole = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    options: TypeormWorkflowStoreOptions = {},
  ) {
    this.readable = new ReadableRecords(options.log ?? (() => undefined));
  }

  async save(execution: Execution): Promise<Execution> {
    return this.checkpoint(execution, []);
  }

  async checkpoint(
    execution: Execution,
    entries: readonly Entry[],
    options: CheckpointOptions = {},
  ): Promise<Execution> {
    requireUuid('execution id', execution.id);
    entries.forEach((entry, index) => requireUuid(`entry ${index} id`, entry.id));
    requireClaimable(execution, options.claimLeaseFor);
    // An insert is always written whole.
    const changes = execution.revision === undefined ? undefined : options.changes;
    const write = {
      execution,
      encoded: changes ? NOT_WRITTEN : encodeExecution(execution),
      parts: changes ? encodeParts(execution, changes) : null,
      clearParts:
        execution.revision !== undefined &&
        this.writtenWhole.get(execution.id) !== execution.revision,
      entries,
      encodedEntries: encodeCheckpointEntries(execution, entries),
      updatedAt: new Date(),
      releaseLeaseOf: options.releaseLeaseOf ?? null,
      claimLeaseFor: options.claimLeaseFor ?? null,
      timerDueAt: dueDate(execution),
      eventWait: options.eventWait,
    };
    if (options.eventWait) requireEventKeys([options.eventWait.key]);
    const revision = await this.run('checkpoint', execution.id, (dialect) =>
      execution.revision === undefined ? dialect.insert(write) : dialect.update(write),
    );
    if (revision === null) await this.explainRefusedWrite(execution);
    this.rememberWhole(execution.id, changes ? null : (revision as number));
    return savedAs(execution, revision as number, write.updatedAt);
  }

  private rememberWhole(executionId: string, revision: number | null): void {
    this.writtenWhole.delete(executionId);
    if (revision === null) return;
    // Bounded: forgetting one only costs its next whole write the removal of parts.
    if (this.writtenWhole.size >= 10_000)
      this.writtenWhole.delete(this.writtenWhole.keys().next().value!);
    this.writtenWhole.set(executionId, revision);
  }

  async load(executionId: string): Promise<Execution | null> {
    if (!UUID.test(executionId)) return null;
    return this.run('load', executionId, (dialect) => dialect.load(executionId));
  }

  async record(entry: Entry): Promise<Entry> {
    requireUuid('entry id', entry.id);
    requireUuid('entry executionId', entry.executionId);
    const encoded = encodeEntry(entry);
    const recorded = await this.run('record', entry.executionId, (dialect) =>
      dialect.record(entry, encoded),
    );
    if (!recorded) throw new ExecutionNotFoundError(entry.executionId);
    return entry;
  }

  async entries(executionId: string): Promise<Entry[]> {
    if (!UUID.test(executionId)) return [];
    return this.run('entries', executionId, (dialect) => dialect.entries(executionId));
  }

  async find(query: FindQuery = {}): Promise<Execution[]> {
    const limit = resolveLimit(query.limit, DEFAULT_FIND_LIMIT, 'find');
    if (query.before !== undefined && !UUID.test(query.before)) throw missingCursor(query.before);
    const found = await this.run('find', undefined, (dialect) => dialect.find({ ...query, limit }));
    // An empty page is either the end or a cursor that names nothing: tell them apart.
    if (found.length === 0 && query.before !== undefined) {
      const cursor = query.before;
      const exists = await this.run('find', cursor, (dialect) => dialect.currentRevision(cursor));
      if (exists === null) throw missingCursor(cursor);
    }
    return found;
  }

  async delete(executionId: string): Promise<boolean> {
    if (!UUID.test(executionId)) return false;
    return this.run('delete', executionId, (dialect) => dialect.delete(executionId));
  }

  async executionIds(query: ExecutionIdsQuery = {}): Promise<string[]> {
    const limit = resolveLimit(query.limit, DEFAULT_EXECUTION_IDS_LIMIT, 'executionIds');
    return this.run('executionIds', undefined, (dialect) =>
      dialect.executionIds(query.workflowId, limit),
    );
  }

  async claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null> {
    resolveTtl(ttlMs, 'claim');
    if (!UUID.test(executionId)) return null;
    return this.run('claim', executionId, (dialect) => dialect.claim(executionId, workerId, ttlMs));
  }

  async extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean> {
    resolveTtl(ttlMs, 'extendClaim');
    if (!UUID.test(executionId)) return false;
    return this.run('extendClaim', executionId, (dialect) =>
      dialect.extendClaim(executionId, workerId, ttlMs),
    );
  }

  async releaseClaim(executionId: string, workerId: string): Promise<boolean> {
    if (!UUID.test(executionId)) return false;
    return this.run('releaseClaim', executionId, (dialect) =>
      dialect.releaseClaim(executionId, workerId),
    );
  }

  async findClaimable(query: ClaimableQuery = {}): Promise<Execution[]> {
    const limit = resolveLimit(query.limit, DEFAULT_CLAIMABLE_LIMIT, 'findClaimable');
    return this.run('findClaimable', undefined, (dialect) => dialect.findClaimable(limit));
  }

  async findDueTimers(query: DueTimersQuery): Promise<Execution[]> {
    const dueBefore = resolveDueBefore(query?.dueBefore);
    const limit = resolveLimit(query.limit, DEFAULT_DUE_TIMERS_LIMIT, 'findDueTimers');
    return this.run('findDueTimers', undefined, (dialect) =>
      dialect.findDueTimers(dueBefore, limit),
    );
  }

  async deleteFinished(query: DeleteFinishedQuery): Promise<number> {
    const createdBefore = resolveCreatedBefore(query?.createdBefore);
    const limit = resolveLimit(query.limit, DEFAULT_DELETE_FINISHED_LIMIT, 'deleteFinished');
    return this.run('deleteFinished', undefined, (dialect) =>
      dialect.deleteFinished(createdBefore, limit),
    );
  }

  async countExecutions(): Promise<ExecutionCount[]> {
    const counts = await this.run('countExecutions', undefined, (dialect) =>
      dialect.countExecutions(),
    );
    return counts.sort(compareCounts);
  }

  async acceptEvent(event: StoredEvent): Promise<{ event: StoredEvent; created: boolean }> {
    const payload = encodeEvent(event);
    return this.run('acceptEvent', undefined, (dialect) =>
      dialect.events.acceptEvent(event, payload),
    );
  }

  async markEventDelivered(eventId: string): Promise<void> {
    const id = requireEventId(eventId, 'markEventDelivered');
    await this.run('markEventDelivered', undefined, (dialect) =>
      dialect.events.markEventDelivered(id),
    );
  }

  async undeliveredEvents(query: UndeliveredEventsQuery): Promise<StoredEvent[]> {
    const sentBefore = resolveMoment(query?.sentBefore, 'undeliveredEvents', 'sentBefore');
    const limit = resolveLimit(query.limit, DEFAULT_UNDELIVERED_EVENTS_LIMIT, 'undeliveredEvents');
    return this.run('undeliveredEvents', undefined, (dialect) =>
      dialect.events.undeliveredEvents(sentBefore, limit),
    );
  }

  async eventWaitShapes(name: string): Promise<string[][]> {
    return this.run('eventWaitShapes', undefined, (dialect) =>
      dialect.events.eventWaitShapes(name),
    );
  }

  async eventWaiters(keys: readonly string[]): Promise<string[]> {
    requireEventKeys(keys);
    return this.run('eventWaiters', undefined, (dialect) => dialect.events.eventWaiters(keys));
  }

  async retainedEvents(
    name: string,
    since: Date,
    limit = DEFAULT_RETAINED_EVENTS_LIMIT,
  ): Promise<StoredEvent[]> {
    const max = resolveLimit(limit, DEFAULT_RETAINED_EVENTS_LIMIT, 'retainedEvents');
    const from = resolveMoment(since, 'retainedEvents', 'since');
    return this.run('retainedEvents', undefined, (dialect) =>
      dialect.events.retainedEvents(name, from, max),
    );
  }

  async pruneEvents(query: PruneEventsQuery): Promise<number> {
    const sentBefore = resolveMoment(query?.sentBefore, 'pruneEvents', 'sentBefore');
    const limit = resolveLimit(query.limit, DEFAULT_PRUNE_EVENTS_LIMIT, 'pruneEvents');
    return this.run('pruneEvents', undefined, (dialect) =>
      dialect.events.pruneEvents(sentBefore, limit),
    );
  }

  async takeSlot(request: SlotRequest): Promise<boolean> {
    requireUuid('execution id', request.executionId);
    resolveTtl(request.ttlMs, 'takeSlot');
    return this.run('takeSlot', request.executionId, () => this.slots().take(request));
  }

  async extendSlot(executionId: string, holder: string, ttlMs: number): Promise<boolean> {
    resolveTtl(ttlMs, 'extendSlot');
    if (!UUID.test(executionId)) return false;
    return this.run('extendSlot', executionId, () =>
      this.slots().extend(executionId, holder, ttlMs),
    );
  }

  async releaseSlot(executionId: string, handOnTtlMs?: number): Promise<string[]> {
    if (handOnTtlMs !== undefined) resolveTtl(handOnTtlMs, 'releaseSlot');
    if (!UUID.test(executionId)) return [];
    return this.run('releaseSlot', executionId, () =>
      this.slots().release(executionId, handOnTtlMs),
    );
  }

  async findLapsedSlots(query: LapsedSlotsQuery = {}): Promise<string[]> {
    const limit = resolveLimit(query.limit, DEFAULT_LAPSED_SLOTS_LIMIT, 'findLapsedSlots');
    return this.run('findLapsedSlots', undefined, () => this.slots().lapsed(limit));
  }

  private slots(): SqlSlots {
    if (this.slotsInstance) return this.slotsInstance;
    this.dialect();
    const driver = this.dataSource.driver as unknown as {
      master?: unknown;
      databaseConnection?: unknown;
    };
    const tables = resolveTables(this.dataSource);
    this.slotsInstance =
      this.dataSource.options.type === 'postgres'
        ? new PostgresSlots(driver.master as PgPool, tables)
        : new SqliteSlots(driver.databaseConnection as SqliteDatabase, tables);
    return this.slotsInstance;
  }

  /** A refused write is either a stale copy or a vanished row; say which. */
  private async explainRefusedWrite(execution: Execution): Promise<never> {
    const current = await this.run('checkpoint', execution.id, (dialect) =>
      dialect.currentRevision(execution.id),
    );
    if (current === null && execution.revision !== undefined) {
      throw new ExecutionNotFoundError(execution.id);
    }
    throw new ConcurrentUpdateError(execution.id, execution.revision);
  }

  private async run<T>(
    method: string,
    executionId: string | undefined,
    operation: (dialect: SqlDialect) => Promise<T>,
  ): Promise<T> {
    try {
      return await operation(this.dialect());
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const subject = executionId === undefined ? '' : ` for execution "${executionId}"`;
      const Refusal = isRefusedValue(error) ? RejectedValueError : StoreError;
      throw new Refusal(`TypeORM store: ${method}${subject} failed: ${explain(error)}`, {
        cause: error,
      });
    }
  }

  describe(): string {
    const { type } = this.dataSource.options;
    const database = (this.dataSource.driver as { database?: string }).database ?? '?';
    const table = this.dataSource.isInitialized
      ? `, table ${resolveTables(this.dataSource).executions}`
      : '';
    return `${type} database "${database}"${table}`;
  }

  private dialect(): SqlDialect {
    if (this.dialectInstance) return this.dialectInstance;
    if (!this.dataSource.isInitialized) {
      throw new StoreError(
        'TypeORM store: the DataSource is not initialized. Initialize it (or let TypeOrmModule do it) before using the store.',
      );
    }
    const driver = this.dataSource.driver as unknown as {
      master?: unknown;
      databaseConnection?: unknown;
    };
    const type = this.dataSource.options.type;
    if (type === 'postgres') {
      this.dialectInstance = new PostgresDialect(
        driver.master as PgQueryable,
        resolveTables(this.dataSource),
        this.readable,
      );
    } else if (type === 'better-sqlite3') {
      this.dialectInstance = new SqliteDialect(
        driver.databaseConnection as ConstructorParameters<typeof SqliteDialect>[0],
        resolveTables(this.dataSource),
        this.readable,
      );
    } else {
      throw new StoreError(
        `TypeORM store: the "${type}" driver is not supported. Use "postgres" or "better-sqlite3".`,
      );
    }
    return this.dialectInstance;
  }
}

/** The whole execution's encoding, left out of a write in parts. */
const NOT_WRITTEN = { input: '', ctx: '', result: null, haltData: null, runtime: null };

function dueDate(execution: Execution): Date | null {
  const due = timerDueAt(execution);
  return due === null ? null : new Date(due);
}

function requireUuid(what: string, value: string): void {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new RejectedValueError(
      `The TypeORM store keeps ids as UUIDs; ${what} ${JSON.stringify(value)} is not one. Generate ids with crypto.randomUUID().`,
    );
  }
}

function explain(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === '22P05' || code === '22P02') {
    // Postgres' jsonb cannot hold U+0000, which JSON itself allows.
    if (error instanceof Error && /Unicode|\\u0000/.test(error.message)) {
      return `${error.message}: a string contains the character U+0000, which Postgres cannot store in jsonb. Remove it or encode the value (e.g. base64). Nothing was written.`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Values the database refuses: the caller's input, not an outage. Postgres's data exceptions
 * (class 22: U+0000 or a lone surrogate in jsonb, text too long) and program limits (class 54: a
 * value too large or too deep); SQLite's value too big or of the wrong type.
 */
function isRefusedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (/^(22|54)[0-9A-Z]{3}$/.test(code)) return true;
  return code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH' || code === 'SQLITE_RANGE';
}
