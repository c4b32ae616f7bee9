import { ExecutionNotFoundError, WaitTimeoutError } from '../core/errors';
import type { WorkflowStore } from '../core/store/workflow-store';
import { isFinished, type Execution } from '../core/types';
import type { ExecutionEvents } from './execution-events';
import type { SharedRemoteChanges } from './shared-remote-changes';

/** How often `wait` looks at the store for changes the live sources can't report. */
const WAIT_POLL_MS = 1000;

/** What a queue's job tells of an execution (see `WorkflowRunner.outcomeOfJob`). */
export type JobOutcomeLookup = (executionId: string) => Promise<Execution | 'queued' | null>;

/**
 * `WorkflowService.wait`: resolves once an execution rests (completed, halted, failed or
 * cancelled). It listens to this process's saves and to other processes' changes, and polls the
 * store for what neither reports. In queue mode a job that ended an execution carries it, so waiting
 * for a run started here reads the store only when the job can't tell (a halt, a large execution, a
 * job lost) or the wait outlasts a poll interval.
 */
export class ExecutionWaiter {
  constructor(
    private readonly store: WorkflowStore,
    private readonly events: ExecutionEvents,
    private readonly remoteChanges: SharedRemoteChanges,
    /** Whether a halted execution has an accepted resume not yet taken up. */
    private readonly resumePending: (execution: Execution) => Promise<boolean>,
    private readonly outcomeOfJob: JobOutcomeLookup = () => Promise.resolve(null),
  ) {}

  /** `timeoutMs` null: waits as long as it takes. */
  wait(executionId: string, timeoutMs: number | null): Promise<Execution> {
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
      // The job queued for it, when it can tell, before the store; the store when Redis can't
      // answer. One ask at a time, as for loads.
      let asking: Promise<unknown> | undefined;
      const askJobFirst = (): Promise<unknown> =>
        (asking ??= this.outcomeOfJob(executionId)
          .then(
            (outcome) => {
              if (outcome === 'queued') return; // Its end is heard, or seen by a later poll.
              return outcome ? finish(() => resolve(outcome)) : look();
            },
            () => look(),
          )
          .finally(() => (asking = undefined)));
      const unsubscribeRemote = this.remoteChanges.subscribe(
        (changedId, settled) => {
          if (changedId !== executionId) return;
          // A failed execution may have been retried since: the completion of its old job, heard
          // late, must not answer a wait for the retry, so the store says.
          if (settled && settled.status !== 'failed') finish(() => resolve(settled));
          else void look();
        },
        () => void askJobFirst(),
      );
      // The poll is for changes neither source hears: another process driving it without a queue, a
      // job's end whose report was missed, or a cancel by another process while the job runs (a
      // job being run stays, locked, until its step ends, so the job can't tell). It reads the store.
      const poll = setInterval(() => void look(), WAIT_POLL_MS);
      const timeout =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              this.store
                .load(executionId)
                .then(
                  (execution) =>
                    finish(() =>
                      reject(
                        new WaitTimeoutError(executionId, timeoutMs, execution?.status ?? 'gone'),
                      ),
                    ),
                  fail,
                );
            }, timeoutMs);
      void this.outcomeOfJob(executionId).then((outcome) => {
        if (outcome === 'queued') return;
        if (outcome) return finish(() => resolve(outcome));
        return this.store
          .load(executionId)
          .then((execution) =>
            execution ? consider(execution) : fail(new ExecutionNotFoundError(executionId)),
          );
      }, fail);
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
