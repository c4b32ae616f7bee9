import { OutageLog } from '../../storage/outage-log';
import { nestStoreLog } from '../nest-store-log';

/** A BullMQ queue, worker or queue events: errors as events, and a backend that says when ready. */
interface BullConnection {
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly backend: { on(event: 'ready', listener: () => void): unknown };
}

/** One log line when the queue's Redis becomes unreachable and one when it answers again. */
export function watchOutages(connection: BullConnection, subject: string): void {
  const outages = new OutageLog(
    nestStoreLog('DurableWorkflow'),
    subject,
    "Check the queue's connection option (REDIS_URL) and that Redis runs.",
  ).watch(connection);
  connection.backend.on('ready', () => outages.recovered());
}
