import { createHash } from 'node:crypto';
import { FINISHED_STATUSES, type Entry, type Execution } from '../../core/types';
import type { ExecutionCount, FindQuery } from '../../core/store/workflow-store';
import type { EncodedEntry } from '../store-input';
import type { EncodedParts } from '../execution-parts';
import type { ReadableRecords } from '../readable-records';
import { toEntry, toExecution, type EntryRow, type ExecutionRow } from './row-mapping';
import {
  COUNT_EXECUTIONS_SQL,
  executionStateValues,
  findWhere,
  toExecutionCount,
  type CheckpointWrite,
  type CountRow,
  type SqlDialect,
} from './sql-dialect';
import { PostgresEvents, withEventWait } from './postgres-events';
import { CLAIMABLE_OUT_OF_LINE } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}

/** The part of a `pg` Pool the store uses: TypeORM's own pool, so the application's connection settings apply. */
export interface PgQueryable {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<PgResult>;
}

const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;

// Sorting must name the table's created_at (e.created_at): a bare name in ORDER BY means the
// converted output column below, which no index covers, so every matching row would be sorted.
// The execution's parts come in the same row: its variables as one object, its loop values as
// [loop, position, value] triples. Every statement reading executions names the table `e`.
const EXECUTION_COLUMNS = `e.id, e.workflow_id, e.workflow_version, e.status, e.input, e.ctx,
  e.current_step, e.result, e.recover_to, e.halt_data, e.error, e.runtime, e.revision,
  e.created_at AT TIME ZONE 'UTC' AS created_at, e.updated_at AT TIME ZONE 'UTC' AS updated_at,
  (SELECT jsonb_object_agg(v.name, v.value) FROM workflow_variables v
    WHERE v.execution_id = e.id) AS variables,
  (SELECT jsonb_agg(jsonb_build_array(l.loop, l.position, l.value)) FROM workflow_loop_values l
    WHERE l.execution_id = e.id) AS loop_values`;

const ENTRY_COLUMNS = `id, execution_id, step_id, step_type, action, duration_ms, input, output, error,
  "timestamp" AT TIME ZONE 'UTC' AS "timestamp"`;

/**
 * SET clauses of a checkpoint's lease: cleared when `release` names its owner, else taken for
 * `claim` (NULL: none) for `ttl` ms, else left alone. Both naming one owner leave no lease.
 */
function leaseChange(release: string, claim: string, ttl: string): string {
  const cleared = `lease_owner = ${release}::text OR ${claim}::text = ${release}::text`;
  return `lease_owner = CASE WHEN ${cleared} THEN NULL
      WHEN ${claim}::text IS NOT NULL THEN ${claim}::text ELSE lease_owner END,
    lease_expires_at = CASE WHEN ${cleared} THEN NULL
      WHEN ${claim}::text IS NOT NULL THEN ${UTC_NOW} + ${ttl}::integer * interval '1 millisecond'
      ELSE lease_expires_at END`;
}

/** The WHERE condition of a checkpoint that claims: no other owner holds a live lease. */
function claimable(claim: string): string {
  return `(${claim}::text IS NULL OR lease_owner IS NULL OR lease_owner = ${claim}::text
    OR lease_expires_at <= ${UTC_NOW})`;
}

// Appends the checkpoint's entries in the same statement as the execution write, so Postgres commits
// both or neither in one round trip. `saved` yields no row when the write was refused, and then
// nothing is appended either.
const APPEND_ENTRIES = `appended AS (
  INSERT INTO workflow_entries
    (id, execution_id, seq, step_id, step_type, action, duration_ms, input, output, error, "timestamp")
  SELECT e.id, saved.id, saved.entry_count - $14 + e.ord, e.step_id, e.step_type, e.action,
    e.duration_ms, e.input, e.output, e.error, e.ts AT TIME ZONE 'UTC'
  FROM saved CROSS JOIN jsonb_to_recordset($13::jsonb) AS e(id uuid, step_id text, step_type text,
    action text, duration_ms integer, input jsonb, output jsonb, error text, ts timestamptz, ord integer)
)`;

// A write of the whole execution leaves no parts behind to override it.
const PARTS_CLEARED = `variables_cleared AS (
  DELETE FROM workflow_variables d USING saved WHERE d.execution_id = saved.id
), loop_values_cleared AS (
  DELETE FROM workflow_loop_values d USING saved WHERE d.execution_id = saved.id
)`;

const INSERT_EXECUTION = `WITH saved AS (
  INSERT INTO workflow_executions (id, workflow_id, workflow_version, status, input, ctx, current_step,
    result, recover_to, halt_data, error, updated_at, revision, entry_count, created_at, runtime,
    timer_due_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $10::jsonb, $11,
    $12::timestamptz AT TIME ZONE 'UTC', 1, $14, $15::timestamptz AT TIME ZONE 'UTC', $16::jsonb,
    $17::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT (id) DO NOTHING
  RETURNING id, revision, entry_count
), ${APPEND_ENTRIES}
SELECT revision FROM saved`;

const UPDATE_EXECUTION = `WITH saved AS (
  UPDATE workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4, input = $5::jsonb,
    ctx = $6::jsonb, current_step = $7, result = $8::jsonb, recover_to = $9, halt_data = $10::jsonb,
    error = $11, updated_at = $12::timestamptz AT TIME ZONE 'UTC', revision = revision + 1,
    entry_count = entry_count + $14, runtime = $16::jsonb, ${leaseChange('$17', '$19', '$20')},
    timer_due_at = $18::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND revision = $15 AND ${claimable('$19')}
  RETURNING id, revision, entry_count
), ${APPEND_ENTRIES}/*cleared*/
SELECT revision FROM saved`;

// A checkpoint in parts: the execution's own row without its input and context (a variable the
// step removed is taken out of the context as last written whole, when it is there), the
// variables set, and the loop values appended, in one statement. Parameters: $1 id, $2-$9 the
// state columns, $10 updated_at, $11 revision, $12 runtime, $13-$14 entries, $15 lease owner to
// release, $16 timer due, $17-$18 lease owner to claim and its ttl; then one for each part written
// (`partsStatement`).
const UPDATE_EXECUTION_PARTS = `WITH saved AS (
  UPDATE workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4,
    current_step = $5, result = $6::jsonb, recover_to = $7, halt_data = $8::jsonb, error = $9,
    updated_at = $10::timestamptz AT TIME ZONE 'UTC', revision = revision + 1,
    entry_count = entry_count + $14, runtime = $12::jsonb, ${leaseChange('$15', '$17', '$18')},
    timer_due_at = $16::timestamptz AT TIME ZONE 'UTC'/*removed*/
  WHERE id = $1 AND revision = $11 AND ${claimable('$17')}
  RETURNING id, revision, entry_count
), ${APPEND_ENTRIES}/*parts*/
SELECT revision FROM saved`;

/** The statement and parameters of a checkpoint in parts, with a clause only for the parts it has. */
function partsStatement(write: CheckpointWrite, parts: EncodedParts): [string, unknown[]] {
  const params = partsParams(write, parts);
  const param = (value: unknown) => `$${params.push(value)}`;
  let removedClause = '';
  const clauses: string[] = [];
  if (parts.variables.length > 0) {
    const variables = parts.variables.map(([name, json]) => `${JSON.stringify(name)}:${json}`);
    clauses.push(`variables_set AS (
  INSERT INTO workflow_variables (execution_id, name, value)
  SELECT saved.id, v.key, v.value FROM saved CROSS JOIN jsonb_each(${param(`{${variables.join(',')}}`)}::jsonb) AS v
  ON CONFLICT (execution_id, name) DO UPDATE SET value = EXCLUDED.value
)`);
  }
  if (parts.removedVariables.length > 0) {
    const removed = param(parts.removedVariables);
    removedClause = `,
    ctx = CASE WHEN ctx ?| ${removed}::text[] THEN ctx - ${removed}::text[] ELSE ctx END`;
    clauses.push(`variables_removed AS (
  DELETE FROM workflow_variables d USING saved
  WHERE d.execution_id = saved.id AND d.name = ANY(${removed}::text[])
)`);
  }
  if (parts.loopValues.length > 0) {
    const loopValues = parts.loopValues.map(
      (stored) =>
        `{"loop":${JSON.stringify(stored.loop)},"position":${stored.index},"value":${stored.value}}`,
    );
    clauses.push(`loop_values_set AS (
  INSERT INTO workflow_loop_values (execution_id, loop, position, value)
  SELECT saved.id, l.loop, l.position, l.value FROM saved
  CROSS JOIN jsonb_to_recordset(${param(`[${loopValues.join(',')}]`)}::jsonb)
    AS l(loop text, position integer, value jsonb)
  ON CONFLICT (execution_id, loop, position) DO UPDATE SET value = EXCLUDED.value
)`);
  }
  if (parts.loopTrims.length > 0) {
    const trims = parts.loopTrims.map((trim) => ({
      loop: trim.loop,
      keep_from: trim.keepFrom,
      keep_below: trim.keepBelow,
    }));
    clauses.push(`loop_values_trimmed AS (
  DELETE FROM workflow_loop_values d
  USING saved, jsonb_to_recordset(${param(JSON.stringify(trims))}::jsonb)
    AS t(loop text, keep_from integer, keep_below integer)
  WHERE d.execution_id = saved.id AND d.loop = t.loop
    AND (d.position < t.keep_from OR d.position >= t.keep_below)
)`);
  }
  const text = UPDATE_EXECUTION_PARTS.replace('/*removed*/', removedClause).replace(
    '/*parts*/',
    clauses.map((clause) => `, ${clause}`).join(''),
  );
  return [text, params];
}

// The common case, one entry per checkpoint, with the entry's fields as plain parameters: Postgres
// then has no JSON to unpack. Parameters: $1-$12 as above, $13 revision or created_at, $14 runtime,
// $15-$23 the entry.
const APPEND_ONE_ENTRY = `appended AS (
  INSERT INTO workflow_entries
    (id, execution_id, seq, step_id, step_type, action, duration_ms, input, output, error, "timestamp")
  SELECT $15, saved.id, saved.entry_count, $16, $17, $18, $19, $20::jsonb, $21::jsonb, $22,
    $23::timestamptz AT TIME ZONE 'UTC'
  FROM saved
)`;

const INSERT_EXECUTION_ONE_ENTRY = `WITH saved AS (
  INSERT INTO workflow_executions (id, workflow_id, workflow_version, status, input, ctx, current_step,
    result, recover_to, halt_data, error, updated_at, revision, entry_count, created_at, runtime,
    timer_due_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $10::jsonb, $11,
    $12::timestamptz AT TIME ZONE 'UTC', 1, 1, $13::timestamptz AT TIME ZONE 'UTC', $14::jsonb,
    $24::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT (id) DO NOTHING
  RETURNING id, revision, entry_count
), ${APPEND_ONE_ENTRY}
SELECT revision FROM saved`;

const UPDATE_EXECUTION_ONE_ENTRY = `WITH saved AS (
  UPDATE workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4, input = $5::jsonb,
    ctx = $6::jsonb, current_step = $7, result = $8::jsonb, recover_to = $9, halt_data = $10::jsonb,
    error = $11, updated_at = $12::timestamptz AT TIME ZONE 'UTC', revision = revision + 1,
    entry_count = entry_count + 1, runtime = $14::jsonb, ${leaseChange('$24', '$26', '$27')},
    timer_due_at = $25::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND revision = $13 AND ${claimable('$26')}
  RETURNING id, revision, entry_count
), ${APPEND_ONE_ENTRY}/*cleared*/
SELECT revision FROM saved`;

const RECORD_ENTRY = `WITH saved AS (
  UPDATE workflow_executions SET entry_count = entry_count + 1 WHERE id = $2 RETURNING id, entry_count
)
INSERT INTO workflow_entries
  (id, execution_id, seq, step_id, step_type, action, duration_ms, input, output, error, "timestamp")
SELECT $1, saved.id, saved.entry_count, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9,
  $10::timestamptz AT TIME ZONE 'UTC'
FROM saved`;

export class PostgresDialect implements SqlDialect {
  private readonly statements = new Map<string, { name?: string; text: string }>();
  private readonly pool: { query(text: string, values?: unknown[]): Promise<PgResult> };
  readonly events: PostgresEvents;

  constructor(
    pool: PgQueryable,
    private readonly tables: SqlTables,
    private readonly readable: ReadableRecords,
  ) {
    this.pool = { query: (text, values) => pool.query({ ...this.prepared(text), values }) };
    this.events = new PostgresEvents(this.pool);
  }

  async insert(write: CheckpointWrite): Promise<number | null> {
    if (write.entries.length === 1) {
      const params = [
        ...oneEntryParams(write, write.execution.createdAt.toISOString()),
        dueParam(write),
      ];
      return this.write(INSERT_EXECUTION_ONE_ENTRY, params, write);
    }
    const params = [
      ...checkpointParams(write),
      write.execution.createdAt.toISOString(),
      write.encoded.runtime,
      dueParam(write),
    ];
    return this.write(INSERT_EXECUTION, params, write);
  }

  async update(write: CheckpointWrite): Promise<number | null> {
    if (write.parts) return this.write(...partsStatement(write, write.parts), write);
    if (write.entries.length === 1) {
      const params = [
        ...oneEntryParams(write, write.execution.revision),
        write.releaseLeaseOf,
        dueParam(write),
        ...claimParams(write),
      ];
      return this.write(UPDATE_EXECUTION_ONE_ENTRY, params, write);
    }
    const params = [
      ...checkpointParams(write),
      write.execution.revision,
      write.encoded.runtime,
      write.releaseLeaseOf,
      dueParam(write),
      ...claimParams(write),
    ];
    return this.write(UPDATE_EXECUTION, params, write);
  }

  /** One checkpoint statement, with the change to the index of event waits when there is one. */
  private async write(
    statement: string,
    params: unknown[],
    write: CheckpointWrite,
  ): Promise<number | null> {
    const cleared = statement.replace('/*cleared*/', write.clearParts ? `, ${PARTS_CLEARED}` : '');
    const text = withEventWait(cleared, params, write.eventWait);
    return this.revisionOf(await this.pool.query(text, params));
  }

  async currentRevision(executionId: string): Promise<number | null> {
    const { rows } = await this.pool.query(
      'SELECT revision FROM workflow_executions WHERE id = $1',
      [executionId],
    );
    return this.revisionOf({ rows });
  }

  async load(executionId: string): Promise<Execution | null> {
    const { rows } = await this.pool.query(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e WHERE e.id = $1`,
      [executionId],
    );
    return rows.length === 0 ? null : toExecution(rows[0] as ExecutionRow);
  }

  async record(entry: Entry, encoded: EncodedEntry): Promise<boolean> {
    const { rowCount } = await this.pool.query(RECORD_ENTRY, [
      entry.id,
      entry.executionId,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      encoded.input,
      encoded.output,
      entry.error,
      entry.timestamp.toISOString(),
    ]);
    return rowCount === 1;
  }

  async entries(executionId: string): Promise<Entry[]> {
    const { rows } = await this.pool.query(
      `SELECT ${ENTRY_COLUMNS} FROM workflow_entries WHERE execution_id = $1 ORDER BY seq`,
      [executionId],
    );
    return (rows as EntryRow[]).map(toEntry);
  }

  async find(query: FindQuery & { limit: number }): Promise<Execution[]> {
    const { where, params } = findWhere(query, (n) => `$${n}`);
    const { rows } = await this.pool.query(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e ${where}
       ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.push(query.limit)}`,
      params,
    );
    return this.readable.decodeAll(rows as ExecutionRow[], toExecution);
  }

  async delete(executionId: string): Promise<boolean> {
    // Entries go with it: the foreign key cascades.
    const { rowCount } = await this.pool.query('DELETE FROM workflow_executions WHERE id = $1', [
      executionId,
    ]);
    return rowCount === 1;
  }

  async executionIds(workflowId: string | undefined, limit: number): Promise<string[]> {
    const { rows } =
      workflowId === undefined
        ? await this.pool.query(
            'SELECT id FROM workflow_executions ORDER BY created_at, id LIMIT $1',
            [limit],
          )
        : await this.pool.query(
            'SELECT id FROM workflow_executions WHERE workflow_id = $1 ORDER BY created_at, id LIMIT $2',
            [workflowId, limit],
          );
    return (rows as { id: string }[]).map((row) => row.id);
  }

  async claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null> {
    // Leases are judged by the database's clock, so workers whose clocks drift still agree.
    const { rows } = await this.pool.query(
      `UPDATE workflow_executions e
       SET lease_owner = $2, lease_expires_at = ${UTC_NOW} + $3 * interval '1 millisecond',
         revision = e.revision + 1
       WHERE e.id = $1
         AND (e.lease_owner IS NULL OR e.lease_owner = $2 OR e.lease_expires_at <= ${UTC_NOW})
       RETURNING ${EXECUTION_COLUMNS}`,
      [executionId, workerId, ttlMs],
    );
    return rows.length === 0 ? null : toExecution(rows[0] as ExecutionRow);
  }

  async extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE workflow_executions SET lease_expires_at = ${UTC_NOW} + $3 * interval '1 millisecond'
       WHERE id = $1 AND lease_owner = $2 AND lease_expires_at > ${UTC_NOW}`,
      [executionId, workerId, ttlMs],
    );
    return rowCount === 1;
  }

  async releaseClaim(executionId: string, workerId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE workflow_executions SET lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2`,
      [executionId, workerId],
    );
    return rowCount === 1;
  }

  async findClaimable(limit: number): Promise<Execution[]> {
    // Two ordered walks, each stopping at the page: pending and running executions out of line (the
    // claimable partial index; executions in line for a slot are not in it), then halted ones.
    const { rows } = await this.pool.query(
      `SELECT ${EXECUTION_COLUMNS} FROM (
         SELECT * FROM (SELECT id, false AS halted, created_at FROM workflow_executions
           WHERE ${CLAIMABLE_OUT_OF_LINE}
             AND (lease_expires_at IS NULL OR lease_expires_at <= ${UTC_NOW})
           ORDER BY created_at, id LIMIT $1) claimable
         UNION ALL
         SELECT * FROM (SELECT id, true AS halted, created_at FROM workflow_executions
           WHERE status = 'halted' AND lease_expires_at <= ${UTC_NOW}
           ORDER BY created_at, id LIMIT $1) lapsed
         ORDER BY halted, created_at, id LIMIT $1
       ) page JOIN workflow_executions e ON e.id = page.id
       ORDER BY page.halted, page.created_at, page.id`,
      [limit],
    );
    return this.readable.decodeAll(rows as ExecutionRow[], toExecution);
  }

  async findDueTimers(dueBefore: Date, limit: number): Promise<Execution[]> {
    // A range of the timer_due_at index; only halted executions have a due time.
    const { rows } = await this.pool.query(
      `SELECT ${EXECUTION_COLUMNS} FROM workflow_executions e
       WHERE timer_due_at <= ($1::timestamptz AT TIME ZONE 'UTC') AND status = 'halted'
         AND (lease_expires_at IS NULL OR lease_expires_at <= ${UTC_NOW})
       ORDER BY timer_due_at, e.id LIMIT $2`,
      [dueBefore.toISOString(), limit],
    );
    return this.readable.decodeAll(rows as ExecutionRow[], toExecution);
  }

  async deleteFinished(createdBefore: Date, limit: number): Promise<number> {
    // Entries go with them: the foreign key cascades.
    const { rowCount } = await this.pool.query(
      `DELETE FROM workflow_executions WHERE id IN (
         SELECT id FROM workflow_executions
         WHERE status = ANY($1::text[]) AND created_at < ($2::timestamptz AT TIME ZONE 'UTC')
         ORDER BY created_at LIMIT $3)`,
      [FINISHED_STATUSES, createdBefore.toISOString(), limit],
    );
    return rowCount ?? 0;
  }

  async countExecutions(): Promise<ExecutionCount[]> {
    const { rows } = await this.pool.query(COUNT_EXECUTIONS_SQL);
    return (rows as CountRow[]).map(toExecutionCount);
  }

  /**
   * The statement with the mapped table names, and a name under which Postgres keeps it parsed and
   * planned on each connection: the hot statements are planned once, not on every checkpoint.
   */
  private prepared(text: string): { name?: string; text: string } {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      const mapped = withTables(text, this.tables);
      const name = `dw_${createHash('sha1').update(mapped).digest('hex').slice(0, 20)}`;
      statement = this.statements.size < 100 ? { name, text: mapped } : { text: mapped };
      if (this.statements.size < 100) this.statements.set(text, statement);
    }
    return statement;
  }

  private revisionOf(result: { rows: unknown[] }): number | null {
    return result.rows.length === 0
      ? null
      : Number((result.rows[0] as { revision: number }).revision);
  }
}

function oneEntryParams(write: CheckpointWrite, revisionOrCreatedAt: unknown): unknown[] {
  const [entry] = write.entries;
  const [encoded] = write.encodedEntries;
  return [
    ...executionParams(write),
    revisionOrCreatedAt,
    write.encoded.runtime,
    entry.id,
    entry.stepId,
    entry.stepType,
    entry.action,
    entry.durationMs,
    encoded.input,
    encoded.output,
    entry.error,
    entry.timestamp.toISOString(),
  ];
}

function partsParams(write: CheckpointWrite, parts: EncodedParts): unknown[] {
  const { execution } = write;
  return [
    execution.id,
    execution.workflowId,
    execution.workflowVersion,
    execution.status,
    execution.currentStep,
    parts.result,
    execution.recoverTo,
    parts.haltData,
    execution.error,
    write.updatedAt.toISOString(),
    execution.revision,
    parts.runtime,
    entriesJson(write),
    write.entries.length,
    write.releaseLeaseOf,
    dueParam(write),
    ...claimParams(write),
  ];
}

function dueParam(write: CheckpointWrite): string | null {
  return write.timerDueAt === null ? null : write.timerDueAt.toISOString();
}

function checkpointParams(write: CheckpointWrite): unknown[] {
  return [...executionParams(write), entriesJson(write), write.entries.length];
}

function executionParams(write: CheckpointWrite): unknown[] {
  return [write.execution.id, ...executionStateValues(write), write.updatedAt.toISOString()];
}

/** Builds the entries' JSON from already-encoded values, so large inputs are not stringified twice. */
function entriesJson(write: CheckpointWrite): string {
  const rows = write.entries.map((entry, index) => {
    const encoded = write.encodedEntries[index];
    const scalars = JSON.stringify({
      id: entry.id,
      step_id: entry.stepId,
      step_type: entry.stepType,
      action: entry.action,
      duration_ms: entry.durationMs,
      error: entry.error,
      ts: entry.timestamp.toISOString(),
      ord: index + 1,
    });
    return `${scalars.slice(0, -1)},"input":${encoded.input ?? 'null'},"output":${encoded.output ?? 'null'}}`;
  });
  return `[${rows.join(',')}]`;
}

/** The owner and ttl of the lease a checkpoint takes, or nulls. */
function claimParams(write: CheckpointWrite): [string | null, number | null] {
  return [write.claimLeaseFor?.owner ?? null, write.claimLeaseFor?.ttlMs ?? null];
}
