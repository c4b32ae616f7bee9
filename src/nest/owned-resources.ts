import { Injectable, Logger } from '@nestjs/common';

interface Closable {
  close(): Promise<void>;
}

/**
 * What the module opened itself and so must close: a store with its own connection, the queue.
 * Closed once, newest first, as the last step of shutdown, after the runner drained; what the
 * application passed in (a client, a DataSource) is never here.
 */
@Injectable()
export class OwnedResources {
  private readonly logger = new Logger('DurableWorkflow');
  private readonly owned: Closable[] = [];
  private closing?: Promise<void>;

  own<T extends Closable>(resource: T): T {
    this.owned.push(resource);
    return resource;
  }

  closeAll(): Promise<void> {
    this.closing ??= (async () => {
      for (const resource of [...this.owned].reverse()) {
        // One that fails to close must not keep the others open.
        await resource.close().catch((error: unknown) => {
          this.logger.warn(`Could not close ${resource.constructor.name}: ${String(error)}`);
        });
      }
    })();
    return this.closing;
  }
}
