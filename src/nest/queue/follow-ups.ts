import type { Execution } from '../../core/types';
import type { WorkflowStore } from '../../core/store/workflow-store';
import { timerDueAt } from '../../core/engine/timer-due';
import type { HeldLease } from './execution-lease';
import type { PlannedJob, WorkflowJobQueue } from './workflow-job-queue';
import { haltTarget, jobTarget } from './workflow-jobs';

/**
 * The jobs that carry an execution on after a piece of work: the delayed retry when a `call` step
 * parked for its back-off, and the delayed job of its timer when it halted on one. They live in
 * Redis, so they survive any restart of the workers.
 */
export class FollowUps {
  constructor(
    private readonly jobs: WorkflowJobQueue,
    private readonly store: WorkflowStore,
    private readonly leaseMs: number,
  ) {}

  /**
   * Under the lease: a parked retry keeps the lease for its back-off (so the recovery sweep leaves
   * the execution alone) and the delayed job takes it over as the same owner.
   */
  async parkRetry(outcome: Execution, lease: HeldLease): Promise<void> {
    const retry = outcome.status === 'running' ? outcome.runtime?.retry : undefined;
    if (!retry) return;
    const delayMs = Math.max(0, Date.parse(retry.at) - Date.now());
    await this.jobs.add(
      { name: 'retry', data: { ...jobTarget(outcome), leaseOwner: lease.owner } },
      outcome,
      delayMs,
    );
    await lease.handOver(delayMs + this.leaseMs);
  }

  /**
   * After the lease is released, so a timer already due can be taken at once: the timers of the
   * outcome and of its root (a child's work may have carried its parent to a halt of its own).
   */
  async timers(outcome: Execution, rootId: string): Promise<void> {
    await this.timer(outcome);
    if (rootId === outcome.id) return;
    const root = await this.store.load(rootId);
    if (root) await this.timer(root);
  }

  /** Adds the delayed job of a halted execution's timer, if it waits on one. */
  async timer(execution: Execution): Promise<void> {
    const planned = timerJob(execution);
    if (planned) await this.jobs.addMany([planned]);
  }
}

/**
 * The delayed job of a halted execution's timer, or null when it waits on nothing but a person.
 * `replaceFinished` replaces a job of the same halt that already ran (a timer lost to an outage).
 */
export function timerJob(execution: Execution, replaceFinished = false): PlannedJob | null {
  const due = timerDueAt(execution);
  if (due === null) return null;
  return {
    job: { name: 'timer', data: haltTarget(execution) },
    execution,
    delayMs: due - Date.now(),
    replaceFinished,
  };
}
