import type { Database, Statement } from 'better-sqlite3';
import { FINISHED_STATUSES, type Entry, type Execution } from '../../core/types';
import type { ExecutionCount, FindQuery } from '../../core/store/workflow-store';
import { StoreError } from '../../core/store/store-errors';
import { parseStoredJson, type EncodedEntry } from '../store-input';
import type { ReadableRecords } from '../readable-records';
import { toEntry, toExecution } from './row-mapping';
import {
  CLAIMABLE_STATUSES,
  COUNT_EXECUTIONS_SQL,
  executionStateValues,
  findWhere,
  toExecutionCount,
  type CheckpointWrite,
  type CountRow,
  type SqlDialect,
} from './sql-dialect';
import { SqliteEvents } from './sqlite-events';
import { IN_LINE_FOR_SLOT } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';
import { reusedTransactions, type SqliteTransactions } from './sqlite-transactions';

const EXECUTION_COLUMNS = `id, workflow_id, workflow_version, status, json(input) AS input,
  json(ctx) AS ctx, current_step, json(result) AS result, recover_to, json(halt_data) AS halt_data,
  error, json(runtime) AS runtime, revision, created_at, updated_at`;

const ENTRY_COLUMNS = `id, execution_id, step_id, step_type, action, duration_ms, json(input) AS input,
  json(output) AS output, error, "timestamp"`;

/** Statuses as an SQL list: constants of our own, never input. */
const sqlList = (statuses: readonly string[]) => statuses.map((s) => `'${s}'`).join(', ');
const CLAIMABLE = sqlList(CLAIMABLE_STATUSES);
const FINISHED = sqlList(FINISHED_STATUSES);

interface RawExecutionRow {
  id: string;
  workflow_id: string;
  workflow_version: string;
  status: string;
  input: string;
  ctx: string;
  current_step: string | null;
  result: string | null;
  recover_to: string | null;
  halt_data: string | null;
  error: string | null;
  runtime: string | null;
  revision: number;
  created_at: string;
  updated_at: string;
}

interface RawEntryRow {
  id: string;
  execution_id: string;
  step_id: string;
  step_type: string;
  action: string;
  duration_ms: number | null;
  input: string | null;
  output: string | null;
  error: string | null;
  timestamp: string;
}

/**
 * SQLite through better-sqlite3, which is synchronous: each write runs as one transaction on the
 * connection TypeORM opened, so no other statement can interleave with it.
 */
export class SqliteDialect implements SqlDialect {
  private readonly statements = new Map<string, Statement>();
  readonly events = new SqliteEvents((sql) => this.statement(sql));
  private readonly writes: SqliteTransactions;

  constructor(
    private readonly db: Database,
    private readonly tables: SqlTables,
    private readonly readable: ReadableRecords,
  ) {
    this.writes = reusedTransactions(db);
  }

  async insert(write: CheckpointWrite): Promise<number | null> {
    return this.writes
      .transaction(() => {
        const { execution } = write;
        const inserted = this.statement(
          `INSERT INTO workflow_executions (id, workflow_id, workflow_version, status, input, ctx,
           current_step, result, recover_to, halt_data, error, runtime, revision, entry_count, created_at,
           updated_at, timer_due_at)
         VALUES (?, ?, ?, ?, jsonb(?), jsonb(?), ?, jsonb(?), ?, jsonb(?), ?, jsonb(?), 1, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
        ).run(
          execution.id,
          ...stateValues(write),
          write.entries.length,
          toSqliteTime(execution.createdAt),
          toSqliteTime(write.updatedAt),
          dueValue(write),
        );
        if (inserted.changes === 0) return null;
        this.appendEntries(write, 0);
        this.events.writeWait(execution.id, write.eventWait);
        return 1;
      })
      .immediate();
  }

  async update(write: CheckpointWrite): Promise<number | null> {
    return this.writes
      .transaction(() => {
        const { execution } = write;
        const saved = this.statement(
          `UPDATE workflow_executions SET workflow_id = ?, workflow_version = ?, status = ?,
           input = jsonb(?), ctx = jsonb(?), current_step = ?, result = jsonb(?), recover_to = ?,
           halt_data = jsonb(?), error = ?, runtime = jsonb(?), updated_at = ?, revision = revision + 1,
           entry_count = entry_count + ?,
           lease_owner = CASE WHEN lease_owner = ? THEN NULL ELSE lease_owner END,
           lease_expires_at = CASE WHEN lease_owner = ? THEN NULL ELSE lease_expires_at END,
           timer_due_at = ?
         WHERE id = ? AND revision = ?
         RETURNING revision, entry_count`,
        ).get(
          ...stateValues(write),
          toSqliteTime(write.updatedAt),
          write.entries.length,
          write.releaseLeaseOf,
          write.releaseLeaseOf,
          dueValue(write),
          execution.id,
          execution.revision,
        ) as { revision: number; entry_count: number } | undefined;
        if (!saved) return null;
        this.appendEntries(write, saved.entry_count - write.entries.length);
        this.events.writeWait(execution.id, write.eventWait);
        return saved.revision;
      })
      .immediate();
  }

  async currentRevision(executionId: string): Promise<number | null> {
    const row = this.statement('SELECT revision FROM workflow_executions WHERE id = ?').get(
      executionId,
    ) as { revision: number } | undefined;
    return row ? row.revision : null;
  }

  async load(executionId: string): Promise<Execution | null> {
    const row = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions WHERE id = ?`,
    ).get(executionId) as RawExecutionRow | undefined;
    return row ? decodeExecution(row) : null;
  }

  async record(entry: Entry, encoded: EncodedEntry): Promise<boolean> {
    return this.writes
      .transaction(() => {
        const saved = this.statement(
          `UPDATE workflow_executions SET entry_count = entry_count + 1 WHERE id = ?
         RETURNING entry_count`,
        ).get(entry.executionId) as { entry_count: number } | undefined;
        if (!saved) return false;
        this.insertEntry(entry, encoded, saved.entry_count);
        return true;
      })
      .immediate();
  }

  async entries(executionId: string): Promise<Entry[]> {
    const rows = this.statement(
      `SELECT ${ENTRY_COLUMNS} FROM workflow_entries WHERE execution_id = ? ORDER BY seq`,
    ).all(executionId) as RawEntryRow[];
    return rows.map(decodeEntry);
  }

  async find(query: FindQuery & { limit: number }): Promise<Execution[]> {
    const { where, params } = findWhere(query, () => '?');
    const rows = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions ${where}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(...params, query.limit) as RawExecutionRow[];
    return this.readable.decodeAll(rows, decodeExecution);
  }

  async delete(executionId: string): Promise<boolean> {
    // Entries go with it: the foreign key cascades (TypeORM turns foreign keys on for SQLite).
    return (
      this.statement('DELETE FROM workflow_executions WHERE id = ?').run(executionId).changes === 1
    );
  }

  async executionIds(workflowId: string | undefined, limit: number): Promise<string[]> {
    const rows = (
      workflowId === undefined
        ? this.statement('SELECT id FROM workflow_executions ORDER BY created_at, id LIMIT ?').all(
            limit,
          )
        : this.statement(
            'SELECT id FROM workflow_executions WHERE workflow_id = ? ORDER BY created_at, id LIMIT ?',
          ).all(workflowId, limit)
    ) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null> {
    const now = Date.now();
    const row = this.statement(
      `UPDATE workflow_executions SET lease_owner = ?, lease_expires_at = ?, revision = revision + 1
       WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
       RETURNING ${EXECUTION_COLUMNS}`,
    ).get(
      workerId,
      toSqliteTime(new Date(now + ttlMs)),
      executionId,
      workerId,
      toSqliteTime(new Date(now)),
    ) as RawExecutionRow | undefined;
    return row ? decodeExecution(row) : null;
  }

  async extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = this.statement(
      `UPDATE workflow_executions SET lease_expires_at = ?
       WHERE id = ? AND lease_owner = ? AND lease_expires_at > ?`,
    ).run(toSqliteTime(new Date(now + ttlMs)), executionId, workerId, toSqliteTime(new Date(now)));
    return result.changes === 1;
  }

  async releaseClaim(executionId: string, workerId: string): Promise<boolean> {
    const result = this.statement(
      `UPDATE workflow_executions SET lease_owner = NULL, lease_expires_at = NULL
       WHERE id = ? AND lease_owner = ?`,
    ).run(executionId, workerId);
    return result.changes === 1;
  }

  async findClaimable(limit: number): Promise<Execution[]> {
    const now = toSqliteTime(new Date());
    const rows = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e
       WHERE (status IN (${CLAIMABLE}) AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
              AND NOT EXISTS (${IN_LINE_FOR_SLOT}))
          OR (status = 'halted' AND lease_expires_at <= ?)
       ORDER BY status = 'halted', created_at, id LIMIT ?`,
    ).all(now, now, limit) as RawExecutionRow[];
    return this.readable.decodeAll(rows, decodeExecution);
  }

  async findDueTimers(dueBefore: Date, limit: number): Promise<Execution[]> {
    // A range of the timer_due_at index; only halted executions have a due time.
    const rows = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions
       WHERE timer_due_at <= ? AND status = 'halted'
         AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
       ORDER BY timer_due_at, id LIMIT ?`,
    ).all(toSqliteTime(dueBefore), toSqliteTime(new Date()), limit) as RawExecutionRow[];
    return this.readable.decodeAll(rows, decodeExecution);
  }

  async deleteFinished(createdBefore: Date, limit: number): Promise<number> {
    // Entries go with them: the foreign key cascades (TypeORM turns foreign keys on for SQLite).
    return this.statement(
      `DELETE FROM workflow_executions WHERE id IN (
         SELECT id FROM workflow_executions
         WHERE status IN (${FINISHED}) AND created_at < ?
         ORDER BY created_at LIMIT ?)`,
    ).run(toSqliteTime(createdBefore), limit).changes;
  }

  async countExecutions(): Promise<ExecutionCount[]> {
    return (this.statement(COUNT_EXECUTIONS_SQL).all() as CountRow[]).map(toExecutionCount);
  }

  private appendEntries(write: CheckpointWrite, previousCount: number): void {
    write.entries.forEach((entry, index) =>
      this.insertEntry(entry, write.encodedEntries[index], previousCount + index + 1),
    );
  }

  private insertEntry(entry: Entry, encoded: EncodedEntry, seq: number): void {
    this.statement(
      `INSERT INTO workflow_entries (id, execution_id, seq, step_id, step_type, action, duration_ms,
         input, output, error, "timestamp")
       VALUES (?, ?, ?, ?, ?, ?, ?, jsonb(?), jsonb(?), ?, ?)`,
    ).run(
      entry.id,
      entry.executionId,
      seq,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      encoded.input,
      encoded.output,
      entry.error,
      toSqliteTime(entry.timestamp),
    );
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(withTables(sql, this.tables));
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The state columns and then runtime, as both the insert and the update write them. */
function stateValues(write: CheckpointWrite): unknown[] {
  return [...executionStateValues(write), write.encoded.runtime];
}

function dueValue(write: CheckpointWrite): string | null {
  return write.timerDueAt === null ? null : toSqliteTime(write.timerDueAt);
}

/** The format TypeORM writes for `datetime` on SQLite: UTC, millisecond precision, sortable as text. */
function toSqliteTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 23);
}

function fromSqliteTime(text: string, where: string): Date {
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new StoreError(`${where} is not a timestamp: "${text}".`);
  return date;
}

function decodeExecution(row: RawExecutionRow): Execution {
  const where = `workflow_executions row "${row.id}"`;
  return toExecution({
    ...row,
    input: parseStoredJson(row.input, `${where}: input`),
    ctx: parseStoredJson(row.ctx, `${where}: ctx`),
    result: parseStoredJson(row.result, `${where}: result`),
    halt_data: parseStoredJson(row.halt_data, `${where}: halt_data`),
    runtime: parseStoredJson(row.runtime, `${where}: runtime`),
    created_at: fromSqliteTime(row.created_at, `${where}: created_at`),
    updated_at: fromSqliteTime(row.updated_at, `${where}: updated_at`),
  });
}

function decodeEntry(row: RawEntryRow): Entry {
  const where = `workflow_entries row "${row.id}"`;
  return toEntry({
    ...row,
    input: parseStoredJson(row.input, `${where}: input`),
    output: parseStoredJson(row.output, `${where}: output`),
    timestamp: fromSqliteTime(row.timestamp, `${where}: timestamp`),
  });
}
