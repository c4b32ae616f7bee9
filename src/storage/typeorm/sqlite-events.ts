import type { Statement } from 'better-sqlite3';
import type { EventWaitIndex, StoredEvent } from '../../core/store/workflow-store';
import { StoreError } from '../../core/store/store-errors';
import { parseStoredJson } from '../store-input';
import type { SqlEventDialect } from './sql-dialect';
import { toSqliteTime } from './sqlite-time';

interface RawEventRow {
  id: string;
  name: string;
  payload: string | null;
  sent_at: string;
}

/** Events on SQLite; `writeWait` runs inside a checkpoint's transaction. */
export class SqliteEvents implements SqlEventDialect {
  constructor(private readonly statement: (sql: string) => Statement) {}

  /** Indexes the execution's wait (or removes it, for null), in the caller's transaction. */
  writeWait(executionId: string, wait: EventWaitIndex | null | undefined): void {
    if (wait === undefined) return;
    if (wait === null) {
      this.statement('DELETE FROM workflow_event_waits WHERE execution_id = ?').run(executionId);
      return;
    }
    this.statement(
      `INSERT INTO workflow_event_waits (execution_id, name, match_key) VALUES (?, ?, ?)
       ON CONFLICT (execution_id) DO UPDATE SET name = excluded.name, match_key = excluded.match_key`,
    ).run(executionId, wait.name, wait.key);
    this.statement(
      'INSERT INTO workflow_event_shapes (name, fields) VALUES (?, ?) ON CONFLICT DO NOTHING',
    ).run(wait.name, JSON.stringify(wait.fields));
  }

  async acceptEvent(
    event: StoredEvent,
    payload: string,
  ): Promise<{ event: StoredEvent; created: boolean }> {
    const inserted = this.statement(
      `INSERT INTO workflow_events (id, name, payload, sent_at, undelivered_since)
       VALUES (?, ?, jsonb(?), ?, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(event.id, event.name, payload, toSqliteTime(event.sentAt), toSqliteTime(event.sentAt));
    if (inserted.changes === 1) return { event, created: true };
    const row = this.statement(
      'SELECT id, name, json(payload) AS payload, sent_at FROM workflow_events WHERE id = ?',
    ).get(event.id) as RawEventRow | undefined;
    // Pruned in between: it was kept, and is no longer.
    return { event: row ? decodeEvent(row) : event, created: false };
  }

  async markEventDelivered(eventId: string): Promise<void> {
    this.statement(
      'UPDATE workflow_events SET undelivered_since = NULL WHERE id = ? AND undelivered_since IS NOT NULL',
    ).run(eventId);
  }

  async undeliveredEvents(sentBefore: Date, limit: number): Promise<StoredEvent[]> {
    const rows = this.statement(
      `SELECT id, name, json(payload) AS payload, sent_at FROM workflow_events
       WHERE undelivered_since < ? ORDER BY undelivered_since, id LIMIT ?`,
    ).all(toSqliteTime(sentBefore), limit) as RawEventRow[];
    return rows.map(decodeEvent);
  }

  async eventWaitShapes(name: string): Promise<string[][]> {
    const rows = this.statement('SELECT fields FROM workflow_event_shapes WHERE name = ?').all(
      name,
    ) as { fields: string }[];
    return rows.map((row) => parseStoredJson(row.fields, 'workflow_event_shapes') as string[]);
  }

  async eventWaiters(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = this.statement(
      `SELECT execution_id FROM workflow_event_waits
       WHERE match_key IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(keys)) as { execution_id: string }[];
    return rows.map((row) => row.execution_id);
  }

  async retainedEvents(name: string, since: Date, limit: number): Promise<StoredEvent[]> {
    const rows = this.statement(
      `SELECT id, name, json(payload) AS payload, sent_at FROM workflow_events
       WHERE name = ? AND sent_at >= ? ORDER BY sent_at, id LIMIT ?`,
    ).all(name, toSqliteTime(since), limit) as RawEventRow[];
    return rows.map(decodeEvent);
  }

  async pruneEvents(sentBefore: Date, limit: number): Promise<number> {
    return this.statement(
      `DELETE FROM workflow_events WHERE id IN (
         SELECT id FROM workflow_events WHERE sent_at < ? ORDER BY sent_at LIMIT ?)`,
    ).run(toSqliteTime(sentBefore), limit).changes;
  }
}

function decodeEvent(row: RawEventRow): StoredEvent {
  const sentAt = new Date(`${row.sent_at.replace(' ', 'T')}Z`);
  if (Number.isNaN(sentAt.getTime()))
    throw new StoreError(`workflow_events row "${row.id}": sent_at is not a timestamp.`);
  return {
    id: row.id,
    name: row.name,
    payload: parseStoredJson(row.payload, `workflow_events row "${row.id}": payload`),
    sentAt,
  };
}
