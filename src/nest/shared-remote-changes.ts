import type { Execution } from '../core/types';

/**
 * Tells of executions changed elsewhere (a queue worker finished a job on one), and once when it
 * listens: changes before that moment were not heard. Returns how to stop.
 */
export type RemoteChanges = (
  changed: (executionId: string, settled?: Execution) => void,
  listening: () => void,
) => () => void;

/** `settled`: the execution, when the change ended it and the source said how. */
type Listener = (executionId: string, settled?: Execution) => void;

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
  private listening = false;
  /** Which opening is current: a closed one's late signal must not count for the next. */
  private opening = 0;
  /** Told once the subscription being opened listens, so they can look for what they missed. */
  private awaitingListening = new Set<() => void>();
  private lingering?: NodeJS.Timeout;
  private closed = false;

  /** `source` is asked at each opening: in-process mode, or a runner not yet built, has none. */
  constructor(
    private readonly source: () => RemoteChanges | null,
    private readonly lingerMs = LINGER_MS,
  ) {}

  /**
   * `onListening` is called if the subscription was not yet listening when this call came, once it
   * does: what changed in between was not heard. Returns the function that unsubscribes.
   */
  subscribe(listener: Listener, onListening?: () => void): () => void {
    clearTimeout(this.lingering);
    if (!this.stopSource && !this.closed) {
      // Opened before the listener is added: if opening throws, nothing is left subscribed.
      const opening = ++this.opening;
      this.stopSource = this.source()?.(
        (executionId, settled) => {
          for (const each of [...this.listeners]) each(executionId, settled);
        },
        () => {
          if (opening !== this.opening) return;
          this.listening = true;
          const waiting = [...this.awaitingListening];
          this.awaitingListening.clear();
          waiting.forEach((callback) => callback());
        },
      );
    }
    this.listeners.add(listener);
    if (onListening && this.stopSource && !this.listening) this.awaitingListening.add(onListening);
    return () => {
      if (onListening) this.awaitingListening.delete(onListening);
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
    this.opening++;
    this.listening = false;
    this.awaitingListening.clear();
  }
}
