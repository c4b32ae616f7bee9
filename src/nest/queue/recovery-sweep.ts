import { isFinished } from '../../core/types';
import type { Logger } from '@nestjs/common';
import { RejectedValueError } from '../../core/store/store-errors';
import { storeCan } from '../../core/store/store-capabilities';
import type { DurableWorkflowStore } from '../../core/store/workflow-store';
import { timerJob } from './follow-ups';
import type { PlannedJob, WorkflowJobQueue } from './workflow-job-queue';
import { timerDueAt } from '../../core/engine/timer-due';
import { haltTarget, jobTarget } from './workflow-jobs';

/** Executions looked at per sweep; the oldest first, the rest on the next sweep. */
const SWEEP_BATCH = 200;
/** Halted executions are checked on every this many sweeps (a minute, by default). */
const HALTED_EVERY = 6;
const HALTED_BATCH = 1000;
/** A timer this late whose job already ran was lost (an outage used up its attempts). */
const LOST_TIMER_MS = 5000;

/**
 * Finds executions whose worker died (pending or running, lease expired or never taken) and queues
 * a `recover` job for each. Runs every `intervalMs` in every worker process, not only at boot; the
 * job id is the execution's id and revision, so sweeps by many processes leave one job, and a live
 * worker's execution is never found, because its lease is live.
 */
export class RecoverySweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Where the halted check goes on from: the last execution it looked at, newest first. */
  private haltedCursor?: string;

  constructor(
    private readonly store: DurableWorkflowStore,
    private readonly jobs: WorkflowJobQueue,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly haltedBatch = HALTED_BATCH,
    /** Hands on the concurrency slots that lapsed with no run left to ask for them. */
    private readonly freeLapsedSlots: () => Promise<void> = async () => undefined,
  ) {}

  /** Checks halted executions, then sweeps every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.checkHalted();
    let sweeps = 0;
    this.timer = setInterval(() => {
      sweeps++;
      void this.sweepOnce(sweeps % HALTED_EVERY === 0);
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep, unless one is still running. */
  sweepOnce(withHalted = false): Promise<void> {
    this.running ??= (async () => {
      await this.sweep();
      if (withHalted) await this.checkHalted();
    })()
      .catch((error: unknown) => {
        this.logger.error(`Recovery sweep failed; the next one tries again: ${String(error)}`);
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * What a worker that died between a checkpoint and its next job add left behind: a halted
   * execution whose timer job is missing or was lost, and a halted parent whose child finished
   * without waking it. Each check reads the next batch of halted executions, so every one is
   * looked at in turn, however many there are, at a bounded cost per check.
   */
  private async checkHalted(): Promise<void> {
    const now = Date.now();
    const halted = await this.nextHaltedBatch();
    const children = await Promise.all(
      halted.map((execution) => {
        const childId = execution.haltData?.['child_execution_id'];
        return typeof childId === 'string' ? this.store.load(childId) : null;
      }),
    );
    const planned: PlannedJob[] = [];
    halted.forEach((execution, i) => {
      const due = timerDueAt(execution);
      const timer = timerJob(execution, due !== null && due < now - LOST_TIMER_MS);
      if (timer) planned.push(timer);
      const child = children[i];
      if (child && isFinished(child.status) && now - child.updatedAt.getTime() > this.leaseMs) {
        // A wake that failed every attempt must not keep the next one out.
        const wake = { name: 'wake', data: haltTarget(execution) } as const;
        planned.push({ job: wake, execution, replaceFinished: true });
      }
    });
    await this.jobs.addMany(planned);
  }

  /** The next halted executions after the cursor; from the newest again once past the oldest. */
  private async nextHaltedBatch() {
    const page = (before?: string) =>
      this.store.find({ status: 'halted', limit: this.haltedBatch, before });
    let batch = await page(this.haltedCursor).catch((error: unknown) => {
      // The cursor's execution is gone (deleted, or no longer stored): start over.
      if (error instanceof RejectedValueError) return page();
      throw error;
    });
    if (batch.length === 0 && this.haltedCursor !== undefined) batch = await page();
    this.haltedCursor = batch.length === this.haltedBatch ? batch[batch.length - 1].id : undefined;
    return batch;
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    // Just started ones are left out: their own job is about to take them.
    const left = (await this.store.findClaimable({ limit: SWEEP_BATCH })).filter(
      (execution) => now - execution.updatedAt.getTime() >= this.leaseMs,
    );
    await this.jobs.addMany(
      left.map((execution) => ({
        job: { name: 'recover', data: jobTarget(execution) },
        execution,
        // A recovery that failed every attempt (the store was down) left the revision, and so
        // the job id, as it was: it must not keep the next recovery out.
        replaceFinished: true,
      })),
    );
    if (left.length > 0)
      this.logger.warn(
        `Recovery sweep queued ${left.length} execution(s) left by a stopped worker.`,
      );
    await this.lostTimers(now);
    await this.freeLapsedSlots();
  }

  /**
   * Timers due for longer than a lease and still not applied: their delayed job was lost (removed,
   * or its worker died before taking the lease and BullMQ gave up on it). Read from the store's
   * index of due times, so every sweep can look, at the cost of one range read; a store without
   * that index leaves them to the periodic check of every halted execution.
   */
  private async lostTimers(now: number): Promise<void> {
    if (!storeCan(this.store, 'findDueTimers')) return;
    const due = await this.store.findDueTimers({
      dueBefore: new Date(now - this.leaseMs),
      limit: SWEEP_BATCH,
    });
    const planned = due.flatMap((execution) => timerJob(execution, true) ?? []);
    await this.jobs.addMany(planned);
    if (planned.length > 0)
      this.logger.warn(
        `Recovery sweep queued ${planned.length} timer(s) due for over ${this.leaseMs} ms and not applied.`,
      );
  }
}
