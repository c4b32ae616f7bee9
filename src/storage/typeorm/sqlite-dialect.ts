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
  findWhere,
  toExecutionCount,
  type CheckpointWrite,
  type CountRow,
  type SqlDialect,
} from './sql-dialect';
import { SqliteEvents } from './sqlite-events';
import { CLAIMABLE_OUT_OF_LINE } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';
import { immediateTransaction } from './sqlite-transactions';
import { toSqliteTime } from './sqlite-time';
import {
  INSERT_ENTRY_SQL,
  INSERT_EXECUTION_SQL,
  SET_VARIABLE_SQL,
  UPDATE_PARTS_LEASED_SQL,
  UPDATE_PARTS_SQL,
  UPDATE_WHOLE_LEASED_SQL,
  UPDATE_WHOLE_SQL,
} from './sqlite-checkpoint-sql';

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

// Built once: a statement's text is its key among the prepared ones, and one built per call would
// be hashed whole on every lookup.
const LOAD_SQL = `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e WHERE e.id = ?`;
const ENTRIES_SQL = `SELECT ${ENTRY_COLUMNS} FROM workflow_entries WHERE execution_id = ? ORDER BY seq`;

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
 * connection TypeORM opened, so no other statement can interleave with it. A checkpoint's
 * statements are prepared once and its transaction functions made once: per checkpoint, only the
 * values are bound.
 */
export class SqliteDialect implements SqlDialect {
  private readonly statements = new Map<string, Statement>();
  readonly events = new SqliteEvents((sql) => this.statement(sql));
  private readonly insertExecution = this.prepared(INSERT_EXECUTION_SQL);
  private readonly updateWhole = this.prepared(UPDATE_WHOLE_SQL, 'pluck');
  private readonly updateWholeLeased = this.prepared(UPDATE_WHOLE_LEASED_SQL, 'pluck');
  private readonly updateInParts = this.prepared(UPDATE_PARTS_SQL, 'pluck');
  private readonly updateInPartsLeased = this.prepared(UPDATE_PARTS_LEASED_SQL, 'pluck');
  private readonly insertEntryRow = this.prepared(INSERT_ENTRY_SQL);
  private readonly setVariable = this.prepared(SET_VARIABLE_SQL);
  private readonly inserting: (write: CheckpointWrite) => number | null;
  private readonly updating: (write: CheckpointWrite) => number | null;
  private readonly updatingParts: (write: CheckpointWrite, parts: EncodedParts) => number | null;
  private readonly recording: (entry: Entry, encoded: EncodedEntry) => boolean;
  private readonly claiming: (
    executionId: string,
    workerId: string,
    ttlMs: number,
  ) => RawExecutionRow | undefined;

  constructor(
    private readonly db: Database,
    private readonly tables: SqlTables,
    private readonly readable: ReadableRecords,
  ) {
    this.inserting = immediateTransaction(db, (write: CheckpointWrite) => this.insertNow(write));
    this.updating = immediateTransaction(db, (write: CheckpointWrite) => this.updateNow(write));
    this.updatingParts = immediateTransaction(db, (write: CheckpointWrite, parts: EncodedParts) =>
      this.updatePartsNow(write, parts),
    );
    this.recording = immediateTransaction(db, (entry: Entry, encoded: EncodedEntry) =>
      this.recordNow(entry, encoded),
    );
    this.claiming = immediateTransaction(db, (executionId: string, workerId: string, ttl: number) =>
      this.claimNow(executionId, workerId, ttl),
    );
  }

  async insert(write: CheckpointWrite): Promise<number | null> {
    return this.inserting(write);
  }

  async update(write: CheckpointWrite): Promise<number | null> {
    return write.parts ? this.updatingParts(write, write.parts) : this.updating(write);
  }

  private insertNow(write: CheckpointWrite): number | null {
    const { execution, encoded } = write;
    const inParts = partsHoldInput(write);
    const inserted = this.insertExecution().run(
      execution.id,
      execution.workflowId,
      execution.workflowVersion,
      execution.status,
      inParts ? '{}' : encoded.input,
      inParts ? '{}' : encoded.ctx,
      execution.currentStep,
      encoded.result,
      execution.recoverTo,
      encoded.haltData,
      execution.error,
      encoded.runtime,
      write.entries.length,
      toSqliteTime(execution.createdAt),
      toSqliteTime(write.updatedAt),
      dueValue(write),
    );
    if (inserted.changes === 0) return null;
    if (inParts) this.writeWholeInParts(write);
    this.appendEntries(write, 0);
    this.events.writeWait(execution.id, write.eventWait);
    return 1;
  }

  private updateNow(write: CheckpointWrite): number | null {
    const { execution, encoded } = write;
    const inParts = partsHoldInput(write);
    const input = inParts ? '{}' : encoded.input;
    const ctx = inParts ? '{}' : encoded.ctx;
    const updatedAt = toSqliteTime(write.updatedAt);
    // The columns both statements set, in their order; then the lease-free or the leased tail.
    const set = [
      execution.workflowId,
      execution.workflowVersion,
      execution.status,
      input,
      ctx,
      execution.currentStep,
      encoded.result,
      execution.recoverTo,
      encoded.haltData,
      execution.error,
      encoded.runtime,
      updatedAt,
    ];
    const entryCount = (
      leavesLease(write)
        ? this.updateWhole().get(
            ...set,
            write.entries.length,
            dueValue(write),
            execution.id,
            execution.revision,
          )
        : this.updateWholeLeased().get(...set, ...leasedTailValues(write))
    ) as number | undefined;
    if (entryCount === undefined) return null;
    this.appendEntries(write, entryCount - write.entries.length);
    this.events.writeWait(execution.id, write.eventWait);
    // Written whole: no parts of before stay behind to override it.
    if (write.clearParts) {
      this.statement('DELETE FROM workflow_variables WHERE execution_id = ?').run(execution.id);
      this.statement('DELETE FROM workflow_loop_values WHERE execution_id = ?').run(execution.id);
    }
    if (inParts) this.writeWholeInParts(write);
    // The update matched only at that revision and raised it by one.
    return (execution.revision as number) + 1;
  }

  /** A checkpoint in parts: the execution's row without input and context, and the parts changed. */
  private updatePartsNow(write: CheckpointWrite, parts: EncodedParts): number | null {
    const { execution } = write;
    const updatedAt = toSqliteTime(write.updatedAt);
    // The columns both statements set, in their order; then the lease-free or the leased tail.
    const set = [
      execution.workflowId,
      execution.workflowVersion,
      execution.status,
      execution.currentStep,
      parts.result,
      execution.recoverTo,
      parts.haltData,
      execution.error,
      parts.runtime,
      updatedAt,
    ];
    const entryCount = (
      leavesLease(write)
        ? this.updateInParts().get(
            ...set,
            write.entries.length,
            dueValue(write),
            execution.id,
            execution.revision,
          )
        : this.updateInPartsLeased().get(...set, ...leasedTailValues(write))
    ) as number | undefined;
    if (entryCount === undefined) return null;
    this.appendEntries(write, entryCount - write.entries.length);
    this.events.writeWait(execution.id, write.eventWait);
    this.writeParts(execution.id, parts);
    return (execution.revision as number) + 1;
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
    if (parts.variables.length > 0) {
      const setVariable = this.setVariable();
      for (const [name, json] of parts.variables) setVariable.run(executionId, name, json);
    }
    if (parts.removedVariables.length > 0)
      this.removeVariables(executionId, parts.removedVariables);
    if (parts.loopTrims.length > 0) {
      const trim = this.statement(
        `DELETE FROM workflow_loop_values WHERE execution_id = ? AND loop = ?
         AND (position < ? OR position >= ?)`,
      );
      for (const { loop, keepFrom, keepBelow } of parts.loopTrims) {
        trim.run(executionId, loop, keepFrom, keepBelow);
      }
    }
    if (parts.loopValues.length > 0) {
      const setLoopValue = this.statement(
        `INSERT INTO workflow_loop_values (execution_id, loop, position, value)
         VALUES (?, ?, ?, jsonb(?))
         ON CONFLICT (execution_id, loop, position) DO UPDATE SET value = excluded.value`,
      );
      for (const stored of parts.loopValues) {
        setLoopValue.run(executionId, stored.loop, stored.index, stored.value);
      }
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
    const row = this.statement(LOAD_SQL).get(executionId) as RawExecutionRow | undefined;
    return row ? decodeExecution(row) : null;
  }

  async record(entry: Entry, encoded: EncodedEntry): Promise<boolean> {
    return this.recording(entry, encoded);
  }

  private recordNow(entry: Entry, encoded: EncodedEntry): boolean {
    const saved = this.statement(
      `UPDATE workflow_executions SET entry_count = entry_count + 1 WHERE id = ?
       RETURNING entry_count`,
    ).get(entry.executionId) as { entry_count: number } | undefined;
    if (!saved) return false;
    this.insertEntry(entry, encoded, saved.entry_count);
    return true;
  }

  async entries(executionId: string): Promise<Entry[]> {
    const rows = this.statement(ENTRIES_SQL).all(executionId) as RawEntryRow[];
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
    const row = this.claiming(executionId, workerId, ttlMs);
    return row ? decodeExecution(row) : null;
  }

  /** The claimed execution is read in the same transaction: SQLite's RETURNING takes no subqueries. */
  private claimNow(executionId: string, workerId: string, ttlMs: number) {
    const now = Date.now();
    const claimed = this.statement(
      `UPDATE workflow_executions SET lease_owner = ?, lease_expires_at = ?, revision = revision + 1
       WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)`,
    ).run(
      workerId,
      toSqliteTime(new Date(now + ttlMs)),
      executionId,
      workerId,
      toSqliteTime(new Date(now)),
    );
    if (claimed.changes === 0) return undefined;
    return this.statement(LOAD_SQL).get(executionId) as RawExecutionRow | undefined;
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
    const { entries, encodedEntries } = write;
    for (let index = 0; index < entries.length; index++) {
      this.insertEntry(entries[index], encodedEntries[index], previousCount + index + 1);
    }
  }

  private insertEntry(entry: Entry, encoded: EncodedEntry, seq: number): void {
    this.insertEntryRow().run(
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

  /**
   * A statement prepared on first use (the tables may not exist when the store is made) and kept:
   * no text is built or looked up per call. `pluck` reads the first column of a row alone.
   */
  private prepared(sql: string, read?: 'pluck'): () => Statement {
    let statement: Statement | undefined;
    return () => {
      if (!statement) statement = read ? this.statement(sql).pluck() : this.statement(sql);
      return statement;
    };
  }
}

/**
 * Whether a whole write keeps the input and the context in parts: when they are large enough that
 * rewriting them with the row at every later checkpoint would cost more than the parts.
 */
function partsHoldInput(write: CheckpointWrite): boolean {
  return write.encoded.input.length + write.encoded.ctx.length >= PARTS_FROM_CONTEXT_SIZE;
}

function dueValue(write: CheckpointWrite): string | null {
  return write.timerDueAt === null ? null : toSqliteTime(write.timerDueAt);
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

/** Whether a checkpoint leaves the lease as it is: then its update names no lease column. */
function leavesLease(write: CheckpointWrite): boolean {
  return write.releaseLeaseOf === null && write.claimLeaseFor === null;
}

/**
 * The parameters of a leased update after the execution's columns (see `LEASED_TAIL`): the
 * entries, the timer, the lease's values, the revision it follows and the claim's condition. The
 * lease is cleared when `releaseLeaseOf` holds it or names the owner it claims, else taken for the
 * claim's owner, else left alone.
 */
function leasedTailValues(write: CheckpointWrite): unknown[] {
  const claim = write.claimLeaseFor;
  const now = Date.now();
  const releasedAtOnce = claim !== null && claim.owner === write.releaseLeaseOf ? 1 : 0;
  const owner = claim && !releasedAtOnce ? claim.owner : null;
  const expires = claim && !releasedAtOnce ? toSqliteTime(new Date(now + claim.ttlMs)) : null;
  return [
    write.entries.length,
    dueValue(write),
    write.releaseLeaseOf,
    releasedAtOnce,
    owner,
    owner,
    write.releaseLeaseOf,
    releasedAtOnce,
    owner,
    expires,
    write.execution.id,
    write.execution.revision,
    claim?.owner ?? null,
    claim?.owner ?? null,
    toSqliteTime(new Date(now)),
  ];
}
