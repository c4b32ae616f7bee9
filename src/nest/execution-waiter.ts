import { ExecutionNotFoundError, WaitTimeoutError } from '../core/errors';
import type { WorkflowStore } from '../core/store/workflow-store';
import { isFinished, type Execution } from '../core/types';
import type { ExecutionEvents } from './execution-events';
import type { SharedRemoteChanges } from './shared-remote-changes';

/** How often `wait` looks at the store for changes the live sources can't report. */
const WAIT_POLL_MS = 1000;

/**
 * `WorkflowService.wait`: resolves once an execution rests (completed, halted, failed or
 * cancelled). It listens to this process's saves and to other processes' changes, and polls the
 * store for what neither reports.
 */
export class ExecutionWaiter {
  constructor(
    private readonly store: WorkflowStore,
    private readonly events: ExecutionEvents,
    private readonly remoteChanges: SharedRemoteChanges,
    /** Whether a halted execution has an accepted resume not yet taken up. */
    private readonly resumePending: (execution: Execution) => Promise<boolean>,
  ) {}

  wait(executionId: string, timeoutMs: number): Promise<Execution> {
    return new Promise<Execution>((resolve, reject) => {
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timeout);
        clearInterval(poll);
        unsubscribeLocal();
        unsubscribeRemote();
        outcome();
      };
      const fail = (error: unknown) => finish(() => reject(error));
      const consider = (execution: Execution | null) =>
        (execution ? this.restingState(execution) : Promise.resolve(null)).then(
          (rests) => rests && finish(() => resolve(rests)),
          fail,
        );
      // One load at a time: changes heard while one is on its way ask for one more after it, so a
      // burst of changes, or a store slower than the poll, never piles loads up.
      let loading: Promise<unknown> | undefined;
      let again = false;
      const look = (): Promise<unknown> => {
        if (loading) {
          again = true;
          return loading;
        }
        const current = this.store
          .load(executionId)
          .then(consider, fail)
          .finally(() => {
            loading = undefined;
            if (again && !done) {
              again = false;
              void look();
            }
          });
        loading = current;
        return current;
      };
      // Listening starts before the first look, so a change between the two is not missed.
      const unsubscribeLocal = this.events.subscribe((execution) => {
        if (execution.id === executionId) void consider(execution);
      });
      const unsubscribeRemote = this.remoteChanges.subscribe(
        (changedId) => {
          if (changedId === executionId) void look();
        },
        () => void look(),
      );
      // The poll is for changes neither source hears: another process driving it without a queue.
      const poll = setInterval(() => void look(), WAIT_POLL_MS);
      const timeout = setTimeout(() => {
        this.store
          .load(executionId)
          .then(
            (execution) =>
              finish(() =>
                reject(new WaitTimeoutError(executionId, timeoutMs, execution?.status ?? 'gone')),
              ),
            fail,
          );
      }, timeoutMs);
      this.store
        .load(executionId)
        .then(
          (execution) =>
            execution ? consider(execution) : fail(new ExecutionNotFoundError(executionId)),
          fail,
        );
    });
  }

  /** The execution as it rests now, or null while work on it is under way or queued. */
  private async restingState(execution: Execution): Promise<Execution | null> {
    if (isFinished(execution.status)) return execution;
    if (execution.status !== 'halted' || (await this.resumePending(execution))) return null;
    // An accepted resume may have run between the read and that check: only a copy read after
    // it, still at the same revision, is known to rest.
    const again = await this.store.load(execution.id);
    if (!again) return null;
    return again.revision === execution.revision ? again : this.restingState(again);
  }
}
