import type { ExecutionCount } from '../../../core/store/workflow-store';
import { html, type SafeHtml } from './html';

/** What the web process knows of the queue's workers. */
export type Workers =
  /** In process: this process does the work, there are no worker processes to count. */
  | { mode: 'in-process' }
  | { mode: 'queue'; alive: number }
  /** Counting failed (Redis unreachable, say). */
  | { mode: 'unknown'; reason: string };

/** Executions no step runs for without a worker: pending ones, and running ones whose worker went. */
export function waitingForWorkers(counts: readonly ExecutionCount[]): {
  pending: number;
  running: number;
} {
  const sum = (status: string) =>
    counts.filter((c) => c.status === status).reduce((total, c) => total + c.count, 0);
  return { pending: sum('pending'), running: sum('running') };
}

/**
 * The workers line of the overview: how many are alive, and a warning when executions wait while
 * none runs (they would wait forever), or when the count itself failed.
 */
export function workersNotice(
  workers: Workers,
  waiting: { pending: number; running: number },
): SafeHtml | string {
  if (workers.mode === 'in-process') return '';
  if (workers.mode === 'unknown')
    return html`<p class="notice warn" id="workers-unknown">
      Worker processes could not be counted: ${workers.reason}
    </p>`;
  const total = waiting.pending + waiting.running;
  if (workers.alive === 0 && total > 0)
    return html`<p class="notice bad" id="no-workers">
      <b>No worker process is running</b>, and ${total} execution(s) wait for one
      (${waiting.pending} pending, ${waiting.running} running). Start a worker process (the
      <code>queue</code> option with <code>worker: true</code>) on the same store and Redis.
    </p>`;
  return html`<p class="workers" id="workers">Workers alive: <b>${workers.alive}</b></p>`;
}
