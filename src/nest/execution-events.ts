import type { Execution } from '../core/types';

type Listener = (execution: Execution) => void;

/** Executions as this process saves them, for `wait` and `resume` to hear without polling. */
export class ExecutionEvents {
  private readonly listeners = new Set<Listener>();

  emit(execution: Execution): void {
    for (const listener of [...this.listeners]) listener(execution);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
