import { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { Execution } from '../core/types';
import type { WorkflowStore } from '../core/store/workflow-store';
import type { ExecutionEvents } from './execution-events';
import type { SharedRemoteChanges } from './shared-remote-changes';

/** Newest executions compared on each poll. */
const POLL_LIMIT = 100;

/**
 * Every change to an execution, for live views: this process's saves as they happen; in queue mode
 * each job a worker finished, as BullMQ reports it; and what a poll of the newest executions finds
 * changed, once a second. One poll serves every listener, and runs only while someone listens.
 */
export class ExecutionFeed {
  private readonly logger = new Logger('DurableWorkflow');
  private readonly changes$ = new Subject<Execution>();
  private listeners = 0;
  private stopSources?: () => void;
  private stamps = new Map<string, string>();

  constructor(
    private readonly events: ExecutionEvents,
    private readonly store: WorkflowStore,
    private readonly remote: SharedRemoteChanges,
    private readonly pollMs = 1000,
  ) {}

  changes(): Observable<Execution> {
    return new Observable<Execution>((subscriber) => {
      const subscription = this.changes$.subscribe(subscriber);
      if (this.listeners++ === 0) this.startSources();
      return () => {
        subscription.unsubscribe();
        if (--this.listeners === 0) this.stopSources?.();
      };
    });
  }

  /** Ends every stream (the application is shutting down), so open connections can close. */
  close(): void {
    this.changes$.complete();
    this.stopSources?.();
  }

  private startSources(): void {
    const note = (execution: Execution) => {
      const stamp = stampOf(execution);
      if (this.stamps.get(execution.id) === stamp) return;
      this.stamps.set(execution.id, stamp);
      this.changes$.next(execution);
    };
    const unsubscribe = this.events.subscribe(note);
    const stopRemote = this.remote.subscribe((executionId) => {
      this.store.load(executionId).then(
        (execution) => execution && note(execution),
        (error: unknown) =>
          this.logger.warn(`Live view could not load ${executionId}: ${String(error)}`),
      );
    });
    let baseline = true;
    const poll = () =>
      this.store.find({ limit: POLL_LIMIT }).then(
        (executions) => {
          if (baseline) {
            for (const e of executions) this.stamps.set(e.id, stampOf(e));
            baseline = false;
          } else executions.forEach(note);
          // Only what the poll covers is remembered; the rest is reported again if it changes.
          const newest = new Set(executions.map((e) => e.id));
          for (const id of this.stamps.keys()) if (!newest.has(id)) this.stamps.delete(id);
        },
        (error: unknown) => this.logger.warn(`Live view poll failed: ${String(error)}`),
      );
    void poll();
    const timer = setInterval(() => void poll(), this.pollMs);
    timer.unref();
    this.stopSources = () => {
      clearInterval(timer);
      unsubscribe();
      stopRemote();
      this.stamps = new Map();
      this.stopSources = undefined;
    };
  }
}

/** What tells one saved state of an execution from the next. */
function stampOf(execution: Execution): string {
  return `${execution.revision ?? ''}@${execution.updatedAt.getTime()}`;
}
