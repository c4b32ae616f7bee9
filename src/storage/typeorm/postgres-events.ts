import type { StoredEvent } from '../../core/store/workflow-store';
import type { SqlEventDialect } from './sql-dialect';

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

interface EventRow {
  id: string;
  name: string;
  payload: unknown;
  sent_at: Date;
}

const EVENT_COLUMNS = `id, name, payload, sent_at AT TIME ZONE 'UTC' AS sent_at`;

/** Events on Postgres, one statement each. */
export class PostgresEvents implements SqlEventDialect {
  constructor(private readonly pool: Queryable) {}

  async acceptEvent(
    event: StoredEvent,
    payload: string,
  ): Promise<{ event: StoredEvent; created: boolean }> {
    // One statement: the kept event, whether this call inserted it or an earlier one did.
    const { rows } = await this.pool.query(
      `WITH added AS (
         INSERT INTO workflow_events (id, name, payload, sent_at, undelivered_since)
         VALUES ($1, $2, $3::jsonb, $4::timestamptz AT TIME ZONE 'UTC',
           $4::timestamptz AT TIME ZONE 'UTC')
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       )
       SELECT ${EVENT_COLUMNS}, false AS created FROM workflow_events
       WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM added)
       UNION ALL SELECT $1, $2, $3::jsonb, $4::timestamptz, true FROM added`,
      [event.id, event.name, payload, event.sentAt.toISOString()],
    );
    const row = rows[0] as (EventRow & { created: boolean }) | undefined;
    if (!row) return { event, created: false };
    return row.created ? { event, created: true } : { event: toEvent(row), created: false };
  }

  async markEventDelivered(eventId: string): Promise<void> {
    await this.pool.query(
      'UPDATE workflow_events SET undelivered_since = NULL WHERE id = $1 AND undelivered_since IS NOT NULL',
      [eventId],
    );
  }

  async undeliveredEvents(sentBefore: Date, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM workflow_events
       WHERE undelivered_since < ($1::timestamptz AT TIME ZONE 'UTC')
       ORDER BY undelivered_since, id LIMIT $2`,
      [sentBefore.toISOString(), limit],
    );
    return (rows as EventRow[]).map(toEvent);
  }

  async eventWaitShapes(name: string): Promise<string[][]> {
    const { rows } = await this.pool.query(
      'SELECT fields FROM workflow_event_shapes WHERE name = $1',
      [name],
    );
    return (rows as { fields: string }[]).map((row) => JSON.parse(row.fields) as string[]);
  }

  async eventWaiters(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.pool.query(
      'SELECT execution_id FROM workflow_event_waits WHERE match_key = ANY($1::text[])',
      [keys],
    );
    return (rows as { execution_id: string }[]).map((row) => row.execution_id);
  }

  async retainedEvents(name: string, since: Date, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM workflow_events
       WHERE name = $1 AND sent_at >= ($2::timestamptz AT TIME ZONE 'UTC')
       ORDER BY workflow_events.sent_at, id LIMIT $3`,
      [name, since.toISOString(), limit],
    );
    return (rows as EventRow[]).map(toEvent);
  }

  async pruneEvents(sentBefore: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM workflow_events WHERE id IN (
         SELECT id FROM workflow_events WHERE sent_at < ($1::timestamptz AT TIME ZONE 'UTC')
         ORDER BY sent_at LIMIT $2)`,
      [sentBefore.toISOString(), limit],
    );
    return rowCount ?? 0;
  }
}

function toEvent(row: EventRow): StoredEvent {
  return { id: row.id, name: row.name, payload: row.payload, sentAt: new Date(row.sent_at) };
}
