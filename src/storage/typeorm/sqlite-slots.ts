import type { SlotRequest } from '../../core/store/workflow-store';
import { markInLine, slotFree, type SqlSlots } from './sql-slots';
import { withTables, type SqlTables } from './sql-tables';

interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** The part of a better-sqlite3 Database the slots use. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  transaction<T>(fn: () => T): { immediate(): T };
}

/**
 * Slots on SQLite: every decision is one immediate transaction, which takes the database's write
 * lock first, so processes sharing the file decide one at a time.
 */
export class SqliteSlots implements SqlSlots {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly tables: SqlTables,
  ) {}

  async take(request: SlotRequest): Promise<boolean> {
    const { executionId, workflowId, key, limit, queuedAt, holder, ttlMs } = request;
    return this.db
      .transaction(() => {
        const now = Date.now();
        this.sql(
          `INSERT INTO workflow_concurrency_slots
             (execution_id, workflow_id, slot_key, slot_limit, queued_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (execution_id) DO NOTHING`,
        ).run(executionId, workflowId, key, limit, queuedAt.getTime());
        const mine = this.sql(
          `SELECT queued_at, expires_at FROM workflow_concurrency_slots WHERE execution_id = ?`,
        ).get(executionId) as { queued_at: number; expires_at: number | null };
        const { live } = this.sql(
          `SELECT count(*) AS live FROM workflow_concurrency_slots
           WHERE workflow_id = ? AND slot_key = ? AND expires_at > ? AND execution_id <> ?`,
        ).get(workflowId, key, now, executionId) as { live: number };
        const { ahead } = this.sql(
          `SELECT count(*) AS ahead FROM workflow_concurrency_slots
           WHERE workflow_id = ? AND slot_key = ? AND expires_at IS NULL
             AND (queued_at < ? OR (queued_at = ? AND execution_id < ?))`,
        ).get(workflowId, key, mine.queued_at, mine.queued_at, executionId) as {
          ahead: number;
        };
        const holdsLive = mine.expires_at !== null && mine.expires_at > now;
        if (!slotFree({ holdsLive, live, ahead, limit })) {
          this.sql(
            `UPDATE workflow_concurrency_slots SET holder = NULL, expires_at = NULL WHERE execution_id = ?`,
          ).run(executionId);
          this.sql(markInLine(true, '?')).run(executionId);
          return false;
        }
        this.sql(
          `UPDATE workflow_concurrency_slots SET holder = ?, expires_at = ? WHERE execution_id = ?`,
        ).run(holder, now + ttlMs, executionId);
        this.sql(markInLine(false, '?')).run(executionId);
        return true;
      })
      .immediate();
  }

  async extend(executionId: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const { changes } = this.sql(
      `UPDATE workflow_concurrency_slots SET expires_at = ?
       WHERE execution_id = ? AND holder = ? AND expires_at > ?`,
    ).run(now + ttlMs, executionId, holder, now);
    return changes === 1;
  }

  async release(executionId: string, handOnTtlMs?: number): Promise<string[]> {
    return this.db
      .transaction(() => {
        const group = this.sql(
          `SELECT workflow_id, slot_key, slot_limit FROM workflow_concurrency_slots WHERE execution_id = ?`,
        ).get(executionId) as
          { workflow_id: string; slot_key: string; slot_limit: number } | undefined;
        if (!group) return [];
        this.sql(`DELETE FROM workflow_concurrency_slots WHERE execution_id = ?`).run(executionId);
        const leftLine = this.sql(markInLine(false, '?'));
        leftLine.run(executionId);
        const now = Date.now();
        const { live } = this.sql(
          `SELECT count(*) AS live FROM workflow_concurrency_slots
           WHERE workflow_id = ? AND slot_key = ? AND expires_at > ?`,
        ).get(group.workflow_id, group.slot_key, now) as { live: number };
        const rows = this.sql(
          `SELECT execution_id FROM workflow_concurrency_slots
           WHERE workflow_id = ? AND slot_key = ? AND expires_at IS NULL
           ORDER BY queued_at, execution_id LIMIT ?`,
        ).all(group.workflow_id, group.slot_key, Math.max(0, group.slot_limit - live)) as {
          execution_id: string;
        }[];
        const next = rows.map((row) => row.execution_id);
        if (handOnTtlMs !== undefined) {
          const handOn = this.sql(
            `UPDATE workflow_concurrency_slots SET expires_at = ? WHERE execution_id = ?`,
          );
          for (const id of next) {
            handOn.run(now + handOnTtlMs, id);
            leftLine.run(id);
          }
        }
        return next;
      })
      .immediate();
  }

  async lapsed(limit: number): Promise<string[]> {
    // A range of the expiry index: rows in line (no expiry) are not read.
    const rows = this.sql(
      `SELECT execution_id FROM workflow_concurrency_slots
       WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
    ).all(Date.now(), limit) as { execution_id: string }[];
    return rows.map((row) => row.execution_id);
  }

  private sql(text: string): SqliteStatement {
    return this.db.prepare(withTables(text, this.tables));
  }
}
