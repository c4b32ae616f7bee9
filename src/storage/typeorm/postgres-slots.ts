import type { SlotRequest } from '../../core/store/workflow-store';
import type { PgQueryable } from './postgres-dialect';
import { markInLine, slotFree, type SqlSlots } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';

interface PgClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(): void;
}

/** The `pg` Pool under TypeORM: a slot decision is one transaction on one of its connections. */
export type PgPool = PgQueryable & { connect(): Promise<PgClient> };

const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Slots on Postgres. Each decision locks its workflow and key with a transaction-scoped advisory
 * lock, so two workers deciding for one key take turns and never both take the last slot; times
 * come from the database's clock, as leases do.
 */
export class PostgresSlots implements SqlSlots {
  constructor(
    private readonly pool: PgPool,
    private readonly tables: SqlTables,
  ) {}

  take(request: SlotRequest): Promise<boolean> {
    const { executionId, workflowId, key, limit, queuedAt, holder, ttlMs } = request;
    return this.transaction(async (query) => {
      await this.lock(query, workflowId, key);
      await query(
        `INSERT INTO workflow_concurrency_slots
           (execution_id, workflow_id, slot_key, slot_limit, queued_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (execution_id) DO NOTHING`,
        [executionId, workflowId, key, limit, queuedAt.getTime()],
      );
      const { rows } = await query(
        `WITH mine AS (SELECT queued_at, expires_at FROM workflow_concurrency_slots WHERE execution_id = $1)
         SELECT
           coalesce((SELECT expires_at > ${NOW_MS} FROM mine), false) AS holds_live,
           (SELECT count(*) FROM workflow_concurrency_slots
             WHERE workflow_id = $2 AND slot_key = $3 AND expires_at > ${NOW_MS}
               AND execution_id <> $1) AS live,
           (SELECT count(*) FROM workflow_concurrency_slots s, mine
             WHERE s.workflow_id = $2 AND s.slot_key = $3
               AND s.expires_at IS NULL
               AND (s.queued_at, s.execution_id) < (mine.queued_at, $1::uuid)) AS ahead`,
        [executionId, workflowId, key],
      );
      const state = rows[0] as { holds_live: boolean; live: string; ahead: string };
      const free = slotFree({
        holdsLive: state.holds_live,
        live: Number(state.live),
        ahead: Number(state.ahead),
        limit,
      });
      if (!free) {
        await query(
          `UPDATE workflow_concurrency_slots SET holder = NULL, expires_at = NULL WHERE execution_id = $1`,
          [executionId],
        );
        await query(markInLine(true, '$1'), [executionId]);
        return false;
      }
      await query(
        `UPDATE workflow_concurrency_slots SET holder = $2, expires_at = ${NOW_MS} + $3
         WHERE execution_id = $1`,
        [executionId, holder, ttlMs],
      );
      await query(markInLine(false, '$1'), [executionId]);
      return true;
    });
  }

  async extend(executionId: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      text: withTables(
        `UPDATE workflow_concurrency_slots SET expires_at = ${NOW_MS} + $3
         WHERE execution_id = $1 AND holder = $2 AND expires_at > ${NOW_MS}`,
        this.tables,
      ),
      values: [executionId, holder, ttlMs],
    });
    return rowCount === 1;
  }

  release(executionId: string, handOnTtlMs?: number): Promise<string[]> {
    return this.transaction(async (query) => {
      const found = await query(
        `SELECT workflow_id, slot_key, slot_limit FROM workflow_concurrency_slots WHERE execution_id = $1`,
        [executionId],
      );
      if (found.rows.length === 0) return [];
      const group = found.rows[0] as { workflow_id: string; slot_key: string; slot_limit: number };
      await this.lock(query, group.workflow_id, group.slot_key);
      await query(`DELETE FROM workflow_concurrency_slots WHERE execution_id = $1`, [executionId]);
      await query(markInLine(false, '$1'), [executionId]);
      const { rows } = await query(
        `SELECT execution_id FROM workflow_concurrency_slots
         WHERE workflow_id = $1 AND slot_key = $2 AND expires_at IS NULL
         ORDER BY queued_at, execution_id
         LIMIT greatest(0, $3 - (SELECT count(*) FROM workflow_concurrency_slots
           WHERE workflow_id = $1 AND slot_key = $2 AND expires_at > ${NOW_MS}))`,
        [group.workflow_id, group.slot_key, group.slot_limit],
      );
      const next = (rows as { execution_id: string }[]).map((row) => row.execution_id);
      if (handOnTtlMs !== undefined && next.length > 0) {
        await query(
          `UPDATE workflow_concurrency_slots SET expires_at = ${NOW_MS} + $2
           WHERE execution_id = ANY($1::uuid[])`,
          [next, handOnTtlMs],
        );
        await query(markInLine(false, 'ANY($1::uuid[])'), [next]);
      }
      return next;
    });
  }

  async lapsed(limit: number): Promise<string[]> {
    // A range of the expiry index: rows in line (no expiry) are not read. The clock is read once
    // (a subquery): compared row by row, a volatile clock would keep the index out.
    const { rows } = await this.pool.query({
      text: withTables(
        `SELECT execution_id FROM workflow_concurrency_slots
         WHERE expires_at <= (SELECT ${NOW_MS}) ORDER BY expires_at LIMIT $1`,
        this.tables,
      ),
      values: [limit],
    });
    return (rows as { execution_id: string }[]).map((row) => row.execution_id);
  }

  private async lock(query: Query, workflowId: string, key: string): Promise<void> {
    await query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `workflow_concurrency_slots\n${workflowId}\n${key}`,
    ]);
  }

  private async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const query: Query = async (text, values) => {
      const { rows } = await client.query(withTables(text, this.tables), values);
      return { rows };
    };
    try {
      await client.query('BEGIN');
      const result = await work(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
