/** Tells of executions changed elsewhere (a queue worker finished a job on one); returns how to stop. */
export type RemoteChanges = (changed: (executionId: string) => void) => () => void;

type Listener = (executionId: string) => void;

/** After the last listener leaves, the subscription stays open this long: `wait` calls come one after another. */
const LINGER_MS = 30_000;

/**
 * Ids of executions that a queue worker in any process finished a job on, from one subscription
 * shared by every listener in this process. It opens with the first listener and closes a while
 * after the last, so a run of `wait` calls costs one Redis connection, not one each.
 */
export class SharedRemoteChanges {
  private readonly listeners = new Set<Listener>();
  private stopSource?: () => void;
  private lingering?: NodeJS.Timeout;
  private closed = false;

  /** `source` is asked at each opening: in-process mode, or a runner not yet built, has none. */
  constructor(
    private readonly source: () => RemoteChanges | null,
    private readonly lingerMs = LINGER_MS,
  ) {}

  /** Returns the function that unsubscribes. */
  subscribe(listener: Listener): () => void {
    clearTimeout(this.lingering);
    if (!this.stopSource && !this.closed) {
      // Opened before the listener is added: if opening throws, nothing is left subscribed.
      this.stopSource = this.source()?.((executionId) => {
        for (const each of [...this.listeners]) each(executionId);
      });
    }
    this.listeners.add(listener);
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.lingering = setTimeout(() => this.release(), this.lingerMs);
      this.lingering.unref();
    };
  }

  /** Closes the subscription for good (the application is shutting down). */
  close(): void {
    this.closed = true;
    clearTimeout(this.lingering);
    this.release();
  }

  private release(): void {
    this.stopSource?.();
    this.stopSource = undefined;
  }
}
