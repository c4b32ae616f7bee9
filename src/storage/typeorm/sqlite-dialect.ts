import type { Database, Statement } from 'better-sqlite3';
import { FINISHED_STATUSES, type Entry, type Execution } from '../../core/types';
import type { ExecutionCount, FindQuery } from '../../core/store/workflow-store';
import { StoreError } from '../../core/store/store-errors';
import { parseStoredJson, type EncodedEntry } from '../store-input';
import type { ReadableRecords } from '../readable-records';
import { INPUT_KEY, type EncodedParts } from '../execution-parts';
import { PARTS_FROM_CONTEXT_SIZE } from '../../core/engine/checkpointer';
import { toEntry, toExecution } from './row-mapping';
import {
  COUNT_EXECUTIONS_SQL,
  executionStateValues,
  findWhere,
  toExecutionCount,
  type CheckpointWrite,
  type CountRow,
  type SqlDialect,
} from './sql-dialect';
import { SqliteEvents } from './sqlite-events';
import { CLAIMABLE_OUT_OF_LINE } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';
import { reusedTransactions, type SqliteTransactions } from './sqlite-transactions';

// The execution's parts come in the same row: its variables as one object, its loop values as
// [loop, position, value] triples. Every statement reading executions names the table `e`.
const EXECUTION_COLUMNS = `e.id, e.workflow_id, e.workflow_version, e.status, json(e.input) AS input,
  json(e.ctx) AS ctx, e.current_step, json(e.result) AS result, e.recover_to,
  json(e.halt_data) AS halt_data, e.error, json(e.runtime) AS runtime, e.revision, e.created_at,
  e.updated_at,
  (SELECT json_group_object(v.name, json(v.value)) FROM workflow_variables v
    WHERE v.execution_id = e.id) AS variables,
  (SELECT json_group_array(json_array(l.loop, l.position, json(l.value)))
    FROM workflow_loop_values l WHERE l.execution_id = e.id) AS loop_values`;

const ENTRY_COLUMNS = `id, execution_id, step_id, step_type, action, duration_ms, json(input) AS input,
  json(output) AS output, error, "timestamp"`;

/** Statuses as an SQL list: constants of our own, never input. */
const sqlList = (statuses: readonly string[]) => statuses.map((s) => `'${s}'`).join(', ');
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
  variables: string;
  loop_values: string;
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
        if (partsHoldInput(write)) this.writeWholeInParts(write);
        this.appendEntries(write, 0);
        this.events.writeWait(execution.id, write.eventWait);
        return 1;
      })
      .immediate();
  }

  async update(write: CheckpointWrite): Promise<number | null> {
    if (write.parts) return this.updateParts(write, write.parts);
    return this.writes
      .transaction(() => {
        const { execution } = write;
        const claim = write.claimLeaseFor;
        const now = Date.now();
        const saved = this.statement(
          `UPDATE workflow_executions SET workflow_id = ?, workflow_version = ?, status = ?,
           input = jsonb(?), ctx = jsonb(?), current_step = ?, result = jsonb(?), recover_to = ?,
           halt_data = jsonb(?), error = ?, runtime = jsonb(?), updated_at = ?, revision = revision + 1,
           ${CHECKPOINT_TAIL}`,
        ).get(
          ...stateValues(write),
          toSqliteTime(write.updatedAt),
          write.entries.length,
          ...leaseValues(write),
          dueValue(write),
          execution.id,
          execution.revision,
          claim?.owner ?? null,
          claim?.owner ?? null,
          toSqliteTime(new Date(now)),
        ) as { revision: number; entry_count: number } | undefined;
        if (!saved) return null;
        this.appendEntries(write, saved.entry_count - write.entries.length);
        this.events.writeWait(execution.id, write.eventWait);
        // Written whole: no parts of before stay behind to override it.
        if (write.clearParts) {
          this.statement('DELETE FROM workflow_variables WHERE execution_id = ?').run(execution.id);
          this.statement('DELETE FROM workflow_loop_values WHERE execution_id = ?').run(
            execution.id,
          );
        }
        if (partsHoldInput(write)) this.writeWholeInParts(write);
        return saved.revision;
      })
      .immediate();
  }

  /** A checkpoint in parts: the execution's row without input and context, and the parts changed. */
  private async updateParts(write: CheckpointWrite, parts: EncodedParts): Promise<number | null> {
    return this.writes
      .transaction(() => {
        const { execution } = write;
        const saved = this.statement(
          `UPDATE workflow_executions SET workflow_id = ?, workflow_version = ?, status = ?,
           current_step = ?, result = jsonb(?), recover_to = ?, halt_data = jsonb(?), error = ?,
           runtime = jsonb(?), updated_at = ?, revision = revision + 1,
           ${CHECKPOINT_TAIL}`,
        ).get(
          execution.workflowId,
          execution.workflowVersion,
          execution.status,
          execution.currentStep,
          parts.result,
          execution.recoverTo,
          parts.haltData,
          execution.error,
          parts.runtime,
          toSqliteTime(write.updatedAt),
          write.entries.length,
          ...leaseValues(write),
          dueValue(write),
          execution.id,
          execution.revision,
          write.claimLeaseFor?.owner ?? null,
          write.claimLeaseFor?.owner ?? null,
          toSqliteTime(new Date()),
        ) as { revision: number; entry_count: number } | undefined;
        if (!saved) return null;
        this.appendEntries(write, saved.entry_count - write.entries.length);
        this.events.writeWait(execution.id, write.eventWait);
        this.writeParts(execution.id, parts);
        return saved.revision;
      })
      .immediate();
  }

  /**
   * SQLite rewrites a row whole on every update, large values included, so the input and the
   * context of a large whole write go in parts too: the execution's own row stays small, and later
   * checkpoints do not write them again.
   */
  private writeWholeInParts(write: CheckpointWrite): void {
    const { execution, encoded } = write;
    const variables = Object.entries(execution.ctx).map(([name, value]): [string, string] => [
      name,
      JSON.stringify(value),
    ]);
    this.writeParts(execution.id, {
      result: null,
      haltData: null,
      runtime: null,
      variables,
      removedVariables: [],
      loopValues: [{ loop: INPUT_KEY, index: 0, value: encoded.input }],
      loopTrims: [],
    });
  }

  private writeParts(executionId: string, parts: EncodedParts): void {
    const setVariable = this.statement(
      `INSERT INTO workflow_variables (execution_id, name, value) VALUES (?, ?, jsonb(?))
       ON CONFLICT (execution_id, name) DO UPDATE SET value = excluded.value`,
    );
    for (const [name, json] of parts.variables) setVariable.run(executionId, name, json);
    if (parts.removedVariables.length > 0)
      this.removeVariables(executionId, parts.removedVariables);
    const trim = this.statement(
      `DELETE FROM workflow_loop_values WHERE execution_id = ? AND loop = ?
       AND (position < ? OR position >= ?)`,
    );
    for (const { loop, keepFrom, keepBelow } of parts.loopTrims) {
      trim.run(executionId, loop, keepFrom, keepBelow);
    }
    const setLoopValue = this.statement(
      `INSERT INTO workflow_loop_values (execution_id, loop, position, value) VALUES (?, ?, ?, jsonb(?))
       ON CONFLICT (execution_id, loop, position) DO UPDATE SET value = excluded.value`,
    );
    for (const stored of parts.loopValues) {
      setLoopValue.run(executionId, stored.loop, stored.index, stored.value);
    }
  }

  /** Removed variables go from the parts and from the context as last written whole. */
  private removeVariables(executionId: string, names: string[]): void {
    const remove = this.statement(
      'DELETE FROM workflow_variables WHERE execution_id = ? AND name = ?',
    );
    for (const name of names) remove.run(executionId, name);
    const row = this.statement('SELECT json(ctx) AS ctx FROM workflow_executions WHERE id = ?').get(
      executionId,
    ) as { ctx: string };
    const ctx = parseStoredJson(row.ctx, `workflow_executions row "${executionId}": ctx`) as Record<
      string,
      unknown
    >;
    if (!names.some((name) => Object.hasOwn(ctx, name))) return;
    for (const name of names) delete ctx[name];
    this.statement('UPDATE workflow_executions SET ctx = jsonb(?) WHERE id = ?').run(
      JSON.stringify(ctx),
      executionId,
    );
  }

  async currentRevision(executionId: string): Promise<number | null> {
    const row = this.statement('SELECT revision FROM workflow_executions WHERE id = ?').get(
      executionId,
    ) as { revision: number } | undefined;
    return row ? row.revision : null;
  }

  async load(executionId: string): Promise<Execution | null> {
    const row = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e WHERE e.id = ?`,
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
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e ${where}
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
    // The claimed execution is read in the same transaction: SQLite's RETURNING takes no subqueries.
    const row = this.db
      .transaction(() => {
        const claimed = this.statement(
          `UPDATE workflow_executions SET lease_owner = ?, lease_expires_at = ?,
             revision = revision + 1
           WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)`,
        ).run(
          workerId,
          toSqliteTime(new Date(now + ttlMs)),
          executionId,
          workerId,
          toSqliteTime(new Date(now)),
        );
        if (claimed.changes === 0) return undefined;
        return this.statement(
          `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e WHERE e.id = ?`,
        ).get(executionId) as RawExecutionRow | undefined;
      })
      .immediate();
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
    // Two ordered walks, each stopping at the page: pending and running executions out of line (the
    // claimable partial index; executions in line for a slot are not in it), then halted ones. The
    // index is named: SQLite would rather take the status index, and read every execution in line.
    const now = toSqliteTime(new Date());
    const rows = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM (
         SELECT * FROM (SELECT id, 0 AS halted, created_at FROM workflow_executions
           INDEXED BY idx_workflow_executions_claimable
           WHERE ${CLAIMABLE_OUT_OF_LINE} AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
           ORDER BY created_at, id LIMIT ?)
         UNION ALL
         SELECT * FROM (SELECT id, 1 AS halted, created_at FROM workflow_executions
           WHERE status = 'halted' AND lease_expires_at <= ?
           ORDER BY created_at, id LIMIT ?)
         ORDER BY halted, created_at, id LIMIT ?
       ) page JOIN workflow_executions e ON e.id = page.id
       ORDER BY page.halted, page.created_at, page.id`,
    ).all(now, limit, now, limit, limit) as RawExecutionRow[];
    return this.readable.decodeAll(rows, decodeExecution);
  }

  async findDueTimers(dueBefore: Date, limit: number): Promise<Execution[]> {
    // A range of the timer_due_at index; only halted executions have a due time.
    const rows = this.statement(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e
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

/**
 * Whether a whole write keeps the input and the context in parts: when they are large enough that
 * rewriting them with the row at every later checkpoint would cost more than the parts.
 */
function partsHoldInput(write: CheckpointWrite): boolean {
  return write.encoded.input.length + write.encoded.ctx.length >= PARTS_FROM_CONTEXT_SIZE;
}

/** The state columns and then runtime, as both the insert and the update write them. */
function stateValues(write: CheckpointWrite): unknown[] {
  if (!partsHoldInput(write)) return [...executionStateValues(write), write.encoded.runtime];
  const encoded = { ...write.encoded, input: '{}', ctx: '{}' };
  return [...executionStateValues({ ...write, encoded }), write.encoded.runtime];
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
    variables: parseStoredJson(row.variables, `${where}: variables`),
    loop_values: parseStoredJson(row.loop_values, `${where}: loop values`),
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

/**
 * What a checkpoint's update sets after the execution's own columns, and its condition: the entry
 * count, the lease (`leaseValues`), the timer; the revision it follows, and no other owner's live
 * lease when it claims. Parameters: entries, the lease's eight, due, id, revision, the claim's owner
 * twice, now.
 */
const CHECKPOINT_TAIL = `entry_count = entry_count + ?,
           lease_owner = CASE WHEN lease_owner = ? OR ? THEN NULL WHEN ? IS NOT NULL THEN ?
             ELSE lease_owner END,
           lease_expires_at = CASE WHEN lease_owner = ? OR ? THEN NULL WHEN ? IS NOT NULL THEN ?
             ELSE lease_expires_at END,
           timer_due_at = ?
         WHERE id = ? AND revision = ?
           AND (? IS NULL OR lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
         RETURNING revision, entry_count`;

/**
 * The lease columns' values of a checkpoint (see `update`): cleared when `releaseLeaseOf` holds it
 * or names the owner it claims, else taken for the claim's owner, else left alone.
 */
function leaseValues(write: CheckpointWrite): unknown[] {
  const claim = write.claimLeaseFor;
  const releasedAtOnce = claim !== null && claim.owner === write.releaseLeaseOf ? 1 : 0;
  const owner = claim && !releasedAtOnce ? claim.owner : null;
  const expires =
    claim && !releasedAtOnce ? toSqliteTime(new Date(Date.now() + claim.ttlMs)) : null;
  return [
    write.releaseLeaseOf,
    releasedAtOnce,
    owner,
    owner,
    write.releaseLeaseOf,
    releasedAtOnce,
    owner,
    expires,
  ];
}
