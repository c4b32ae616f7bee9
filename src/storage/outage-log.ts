import type { StoreLog } from '../core/store/store-log';

/** What reports connection failures: an ioredis client, or a BullMQ queue, worker or events. */
interface FailingConnection {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * One line when a connection starts failing and one when it answers again, instead of one per
 * reconnection attempt. Every client the library creates gets one, so none emits an unhandled
 * `error` event.
 */
export class OutageLog {
  private down = false;

  constructor(
    private readonly log: StoreLog,
    /** What failed, as an operator would look for it: "Redis store at 127.0.0.1:6379". */
    private readonly subject: string,
    /** What to check: the setting that points at the server. */
    private readonly hint: string,
  ) {}

  /** Listens for the connection's errors; `recovered` is to be called when it is ready again. */
  watch(connection: FailingConnection): this {
    connection.on('error', (error) => this.failed(error));
    return this;
  }

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    this.log(
      'error',
      `${this.subject} is unreachable (${reason}); reconnecting quietly until it answers. ${this.hint}`,
    );
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.log('log', `${this.subject} answers again.`);
  }
}
