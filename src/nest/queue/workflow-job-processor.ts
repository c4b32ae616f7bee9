import type { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { WorkflowEngine } from '../../core/engine/workflow-engine';
import type { RunOptions } from '../../core/engine/run-state';
import {
  DurableWorkflowError,
  ExecutionMissingForJobError,
  ExecutionNotFoundError,
  ExecutionStateError,
} from '../../core/errors';
import type { WorkflowTelemetry } from '../../core/telemetry';
import type { Execution } from '../../core/types';
import { ConcurrentUpdateError, StoreError } from '../../core/store/store-errors';
import type { DurableWorkflowStore } from '../../core/store/workflow-store';
import { peers } from '../../peers/peers';
import { timerDueAt } from '../../core/engine/timer-due';
import type { ExecutionLeases, HeldLease, LeasedOutcome } from './execution-lease';
import { acceptedResumeOf } from './resume-acceptance';
import { carry, type CarriedExecution, uncarry } from './carried-execution';
import type { FollowUps } from './follow-ups';
import type { ResolvedQueueOptions } from './queue.options';
import type { ConcurrencyGate } from '../concurrency/concurrency-gate';
import type { HaltAnswers } from '../concurrency/halt-answers';
import type { WorkflowJob, WorkflowJobData, WorkflowJobName } from './workflow-jobs';

/** Each job that answers a halt, as a verb for the refusal of a stale one. */
const ANSWERS = { resume: 'resume', timer: 'fire-timer', wake: 'wake' } as const;

/** What a job came to; BullMQ keeps it as the job's return value (live views read it). */
export interface JobOutcome {
  executionId: string;
  outcome: Execution['status'] | 'gone' | 'stale';
  /**
   * The execution, when the job ended it (completed, failed, cancelled) and it is small enough to
   * carry: `wait` resolves from it without reading the store.
   */
  execution?: CarriedExecution;
}

/**
 * Runs one job of the workflow queue: claims the execution, does what the job says, schedules what
 * follows (retry, timer), and releases the claim. A job that finds the execution gone or moved past
 * what the job answers does nothing; one that finds it claimed by a live worker waits and tries
 * again. That is how a repeated or re-delivered job never drives an execution twice.
 */
export class WorkflowJobProcessor {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly store: DurableWorkflowStore,
    private readonly leases: ExecutionLeases,
    private readonly followUps: FollowUps,
    private readonly options: ResolvedQueueOptions,
    private readonly workerId: string,
    private readonly logger: Logger,
    private readonly telemetry: WorkflowTelemetry,
    private readonly gate: ConcurrencyGate,
    private readonly halts: HaltAnswers,
  ) {}

  async process(
    bullJob: Job<WorkflowJobData, unknown, WorkflowJobName>,
    token?: string,
  ): Promise<JobOutcome> {
    const { DelayedError, UnrecoverableError } = peers.bullmq();
    const job = { name: bullJob.name, data: bullJob.data } as WorkflowJob;
    const owner =
      job.name === 'retry' || job.name === 'resume'
        ? job.data.leaseOwner
        : `${this.workerId}#${bullJob.id}`;
    // Due when added, or when its delay ran out; a worker took it just now.
    const waitedMs = Date.now() - (bullJob.timestamp + (bullJob.opts.delay ?? 0));
    const traced: RunOptions = {
      caller: 'trace' in job.data ? job.data.trace : undefined,
      requestedAt: job.name === 'resume' ? bullJob.timestamp : undefined,
    };
    let waitReported = false;
    const work = (lease: HeldLease, current: Execution) => {
      // Once per job, though a carried start whose first checkpoint was refused runs again.
      if (!waitReported) this.telemetry.queueWait(current.workflowId, job.name, waitedMs);
      waitReported = true;
      return this.act(job, lease, current, traced);
    };
    const carried = job.name === 'start' ? job.data.execution : undefined;
    try {
      const held = carried
        ? await this.leases.holdCarried(uncarry(carried), owner, work)
        : await this.holdingOwnLease(job, owner, () =>
            this.leases.hold(job.data.executionId, job.data.root, owner, work),
          );
      if (held.kind === 'busy') {
        // Its worker is alive and busy with it: look again once that work may be done.
        await bullJob.moveToDelayed(Date.now() + Math.min(2000, this.options.leaseMs / 2), token);
        throw new DelayedError();
      }
      if (held.kind === 'gone') {
        // A recovery's own sweep read the execution from this store: it was deleted since.
        if (job.name === 'recover') return { executionId: job.data.executionId, outcome: 'gone' };
        // The worker's 'failed' listener logs it, once per attempt.
        throw new ExecutionMissingForJobError(
          job.data.executionId,
          job.name,
          this.store.describe?.() ?? 'the configured store',
        );
      }
      await this.followUps.timers(held.execution, held.rootId);
      await this.gate.settled(held.execution);
      const { status } = held.execution;
      const ended = status === 'completed' || status === 'failed' || status === 'cancelled';
      const execution = ended ? carry(held.execution) : undefined;
      return { executionId: job.data.executionId, outcome: status, execution };
    } catch (error) {
      if (error instanceof DelayedError || error instanceof ExecutionMissingForJobError)
        throw error;
      // Someone else moved it on (a cancel, another resume): nothing is left for this job to do.
      if (
        error instanceof ExecutionStateError ||
        error instanceof ConcurrentUpdateError ||
        error instanceof ExecutionNotFoundError
      ) {
        this.logger.log(
          `Job ${bullJob.id}: execution ${job.data.executionId} was changed elsewhere; this job stopped: ${error.message}`,
        );
        return { executionId: job.data.executionId, outcome: 'stale' };
      }
      // A missing workflow version or an invalid definition does not heal by retrying the job.
      if (error instanceof DurableWorkflowError && !(error instanceof StoreError))
        throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  private async act(
    job: WorkflowJob,
    lease: HeldLease,
    current: Execution,
    traced: RunOptions,
  ): Promise<Execution> {
    const run: RunOptions = {
      ...traced,
      deferRetriesFromMs: this.options.deferRetriesFromMs,
      lease: lease.releasedWithCheckpoint,
    };
    const id = job.data.executionId;
    let outcome: Execution;
    const answers = job.name === 'resume' || job.name === 'timer' || job.name === 'wake';
    // Answers one halt: once the execution is past it (a parked answer included), the job is stale.
    if (
      answers &&
      ((current.runtime?.halts ?? 0) !== job.data.halts || current.status !== 'halted')
    )
      throw new ExecutionStateError(id, `past halt ${job.data.halts}`, ANSWERS[job.name], [
        `halted at halt ${job.data.halts}`,
      ]);
    // Waits in line, pending, without a takeover counted: a freed slot hands it on.
    if (job.name !== 'retry' && isRunnable(current) && !(await this.gate.enter(current)))
      return current;
    switch (job.name) {
      case 'recover':
        outcome =
          current.status === 'halted'
            ? await this.answerLostHalt(current, run)
            : await this.driveOrGiveUp(job, current, run);
        break;
      case 'resume':
      case 'timer':
      case 'wake':
        // A child's end wakes its parent whatever the limit: the parent's run is under way.
        outcome =
          job.name === 'wake'
            ? await this.engine.fireTimer(current, run)
            : await this.halts.answer(
                current,
                job.name === 'resume' ? job.data.payload : undefined,
                run,
              );
        break;
      default:
        outcome = await this.driveOrGiveUp(job, current, run);
    }
    await this.followUps.parkRetry(outcome, lease);
    return outcome;
  }

  /**
   * A halted sub-workflow keeps a lease of its own while a resume of it is accepted and not yet
   * applied (its root's lease guards the work): a job that answers it takes that lease over and
   * releases it after, so the sweep no longer finds it.
   */
  private async holdingOwnLease(
    job: WorkflowJob,
    owner: string,
    work: () => Promise<LeasedOutcome>,
  ): Promise<LeasedOutcome> {
    const id = job.data.executionId;
    if (job.data.root || (job.name !== 'resume' && job.name !== 'recover')) return work();
    const execution = await this.store.load(id);
    if (!execution) return { kind: 'gone' };
    if (execution.status !== 'halted') return work();
    if (!(await this.store.claim(id, owner, this.options.leaseMs))) return { kind: 'busy' };
    try {
      return await work();
    } finally {
      await this.store.releaseClaim(id, owner).catch((error: unknown) => {
        this.logger.warn(
          `Could not release the lease on execution ${id}; it expires in ${this.options.leaseMs} ms: ${String(error)}`,
        );
      });
    }
  }

  /**
   * A halted execution whose lease expired unreleased: a worker died answering it. Applies the
   * resume accepted for this halt, or fires its timer if due; otherwise nothing was lost. Each such
   * takeover counts toward `maxRecoveries`, as for a running step, so a resume or a timer that
   * kills its worker every time fails the execution instead of looping.
   */
  private async answerLostHalt(execution: Execution, run: RunOptions): Promise<Execution> {
    const accepted = acceptedResumeOf(execution);
    const due = timerDueAt(execution);
    if (!accepted && (due === null || due > Date.now())) return execution;
    const counted = await this.countTakeover(execution);
    if (!counted) return this.failRecovery(execution);
    if (!accepted) return this.halts.answer(counted, undefined, run);
    this.logger.warn(
      `Execution ${execution.id}: applying the resume accepted at step "${execution.currentStep}", whose worker stopped before it was applied.`,
    );
    return this.halts.answer(counted, accepted.payload, run);
  }

  /**
   * An execution found `running` by anything but its own retry job (or `pending` by a recovery)
   * was left by a worker that stopped before the next checkpoint. Counts the takeovers of the step
   * in flight; past the limit the execution is failed, so a step that kills its worker every time
   * does not loop forever.
   */
  private async driveOrGiveUp(
    job: WorkflowJob,
    execution: Execution,
    run: RunOptions,
  ): Promise<Execution> {
    const takeover =
      (execution.status === 'running' && job.name !== 'retry' && !execution.runtime?.retry) ||
      (execution.status === 'pending' && job.name === 'recover');
    if (!takeover) return this.engine.drive(execution, run);
    const counted = await this.countTakeover(execution);
    return counted ? this.engine.drive(counted, run) : this.failRecovery(execution);
  }

  /** Saves one more takeover of the step in flight; null once that is past `maxRecoveries`. */
  private async countTakeover(execution: Execution): Promise<Execution | null> {
    const runtime = execution.runtime ?? { frames: [], response: null, approved: null };
    const count = takeoversOf(execution) + 1;
    if (count > this.options.maxRecoveries) return null;
    this.logger.warn(
      `Execution ${execution.id}: taking over step "${execution.currentStep}" after its worker stopped (takeover ${count} of at most ${this.options.maxRecoveries}).`,
    );
    return this.store.save({
      ...execution,
      runtime: { ...runtime, recoveries: { stepId: execution.currentStep, count } },
    });
  }

  private failRecovery(execution: Execution): Promise<Execution> {
    const count = takeoversOf(execution) + 1;
    this.logger.error(
      `Execution ${execution.id}: step "${execution.currentStep}" lost its worker ${count} times; failing the execution.`,
    );
    return this.engine.failRecovery(execution.id, count - 1);
  }
}

function isRunnable(execution: Execution): boolean {
  return execution.status === 'pending' || execution.status === 'running';
}

/** Takeovers so far of the step the execution is at. */
function takeoversOf(execution: Execution): number {
  const previous = execution.runtime?.recoveries;
  return previous && previous.stepId === execution.currentStep ? previous.count : 0;
}
