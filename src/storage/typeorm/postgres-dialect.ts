import { createHash } from 'node:crypto';
import { FINISHED_STATUSES, type Entry, type Execution } from '../../core/types';
import type { ExecutionCount, FindQuery } from '../../core/store/workflow-store';
import type { EncodedEntry } from '../store-input';
import type { ReadableRecords } from '../readable-records';
import { toEntry, toExecution, type EntryRow, type ExecutionRow } from './row-mapping';
import {
  COUNT_EXECUTIONS_SQL,
  findWhere,
  toExecutionCount,
  type CheckpointWrite,
  type CountRow,
  type SqlDialect,
} from './sql-dialect';
import { PostgresEvents } from './postgres-events';
import { checkpointSql, shapeKey, UTC_NOW } from './postgres-checkpoint-sql';
import { checkpointParams, shapeOf } from './postgres-checkpoint-params';
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
  /** Checkpoint statements by `shapeKey`, each named: there are few shapes. */
  private readonly checkpoints = new Map<number, { name: string; text: string }>();
  private readonly pool: { query(text: string, values?: unknown[]): Promise<PgResult> };
  readonly events: PostgresEvents;

  constructor(
    private readonly pg: PgQueryable,
    private readonly tables: SqlTables,
    private readonly readable: ReadableRecords,
  ) {
    // A literal, not `{ ...statement, values }`: V8 copies a spread object with added keys slowly.
    this.pool = {
      query: (text, values) => {
        const { name, text: mapped } = this.prepared(text);
        return pg.query({ name, text: mapped, values });
      },
    };
    this.events = new PostgresEvents(this.pool);
  }

  async insert(write: CheckpointWrite): Promise<number | null> {
    return (await this.write(write)) ? 1 : null;
  }

  async update(write: CheckpointWrite): Promise<number | null> {
    return (await this.write(write)) ? (write.execution.revision as number) + 1 : null;
  }

  /**
   * One checkpoint statement; false when it was refused. Its text is fixed by the write's shape, so
   * the hot path hands `pg` the same prepared text every time.
   */
  private async write(write: CheckpointWrite): Promise<boolean> {
    const shape = shapeOf(write);
    const key = shapeKey(shape);
    let statement = this.checkpoints.get(key);
    if (statement === undefined) {
      statement = this.named(checkpointSql(shape));
      this.checkpoints.set(key, statement);
    }
    const values = checkpointParams(write);
    const { rowCount } = await this.pg.query({
      name: statement.name,
      text: statement.text,
      values,
    });
    return (rowCount ?? 0) > 0;
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
      const named = this.named(text);
      statement = this.statements.size < 100 ? named : { text: named.text };
      if (this.statements.size < 100) this.statements.set(text, statement);
    }
    return statement;
  }

  private named(text: string): { name: string; text: string } {
    const mapped = withTables(text, this.tables);
    return {
      name: `dw_${createHash('sha1').update(mapped).digest('hex').slice(0, 20)}`,
      text: mapped,
    };
  }

  private revisionOf(result: { rows: unknown[] }): number | null {
    return result.rows.length === 0
      ? null
      : Number((result.rows[0] as { revision: number }).revision);
  }
}
