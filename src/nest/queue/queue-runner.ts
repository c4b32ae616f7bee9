import { Logger } from '@nestjs/common';
import type { QueueEvents, Worker } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunOptions } from '../../core/engine/run-state';
import type {
  ForkOptions,
  ResumePayload,
  StartOptions,
  WorkflowEngine,
} from '../../core/engine/workflow-engine';
import { ExecutionNotFoundError, ExecutionStateError } from '../../core/errors';
import type { WorkflowTelemetry } from '../../core/telemetry';
import type { Execution } from '../../core/types';
import { assertJsonSafe } from '../../storage/serialization/json-safety';
import type { DurableWorkflowStore } from '../../core/store/workflow-store';
import type { WorkflowRunner } from '../runners/workflow-runner';
import { peers } from '../../peers/peers';
import { withinGrace } from '../runners/within-grace';
import { ExecutionLeases } from './execution-lease';
import { carry, settledIn } from './carried-execution';
import { FailedJobLog } from './failed-job-log';
import { FollowUps } from './follow-ups';
import { nestStoreLog } from '../nest-store-log';
import type { ResolvedQueueOptions } from './queue.options';
import { watchOutages } from './queue-outages';
import { QUEUE_ANSWER_MS, requireQueueAnswer } from './queue-reachability';
import { RecoverySweep } from './recovery-sweep';
import { acceptedResumeOf, ResumeAcceptance } from './resume-acceptance';
import { StartedJobs } from './started-jobs';
import { WorkflowJobProcessor } from './workflow-job-processor';
import { ConcurrencyGate } from '../concurrency/concurrency-gate';
import { HaltAnswers } from '../concurrency/halt-answers';
import { QueueSchedules } from '../schedules/queue-schedules';
import { ScheduleTicks } from '../schedules/schedule-ticks';
import { QueueLastTicks } from '../schedules/queue-last-ticks';
import type { WorkflowBullQueue } from './workflow-job-queue';
import { WorkflowJobQueue } from './workflow-job-queue';
import {
  haltTarget,
  jobTarget,
  type ScheduleTickJob,
  type WorkflowJobData,
  type WorkflowJobName,
} from './workflow-jobs';

/**
 * BullMQ mode: `start`, `resume`, timers and retry back-offs are jobs, and any number of processes
 * run workers against the same Redis and store. Every piece of work holds the execution's lease;
 * `run` and `resumeNow` run in the calling process under a lease too, so a sweep never takes them.
 */
export class QueueRunner implements WorkflowRunner {
  readonly workerId = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('DurableWorkflow');
  private readonly jobs: WorkflowJobQueue;
  private readonly leases: ExecutionLeases;
  private readonly followUps: FollowUps;
  private readonly sweep: RecoverySweep;
  private readonly acceptance: ResumeAcceptance;
  /** Executions of workflows with a concurrency limit run only while they hold a slot. */
  readonly gate: ConcurrencyGate;
  private readonly halts: HaltAnswers;
  private readonly schedules: QueueSchedules;
  private readonly startedHere = new StartedJobs();
  private worker?: Worker<WorkflowJobData, unknown, WorkflowJobName>;

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly store: DurableWorkflowStore,
    queue: WorkflowBullQueue,
    private readonly options: ResolvedQueueOptions,
    private readonly telemetry: WorkflowTelemetry,
  ) {
    this.jobs = new WorkflowJobQueue(queue, options);
    this.leases = new ExecutionLeases(store, options.leaseMs, this.logger);
    this.followUps = new FollowUps(this.jobs, store, options.leaseMs);
    this.sweep = new RecoverySweep(store, this.jobs, options.leaseMs, this.logger, undefined, () =>
      this.gate.freeLapsed(),
    );
    this.acceptance = new ResumeAcceptance(store, options.leaseMs, this.workerId);
    this.gate = new ConcurrencyGate(
      store,
      engine.workflows,
      this.workerId,
      options.leaseMs,
      this.logger,
      (ids) => void this.admit(ids),
    );
    this.halts = new HaltAnswers(engine, this.gate);
    const ticks = new ScheduleTicks(
      engine.workflows,
      store,
      (workflowId, input, opts) => this.start(workflowId, input, opts),
      this.logger,
      new QueueLastTicks(queue),
    );
    this.schedules = new QueueSchedules(
      queue,
      ticks,
      () => engine.currentTime(),
      options,
      this.logger,
    );
  }

  async boot(): Promise<void> {
    await requireQueueAnswer(this.jobs.queue, this.options.connectTimeoutMs);
    await this.schedules.register();
    if (!this.options.worker) return;
    const processor = new WorkflowJobProcessor(
      this.engine,
      this.store,
      this.leases,
      this.followUps,
      this.options,
      this.workerId,
      this.logger,
      this.telemetry,
      this.gate,
      this.halts,
    );
    const queue = this.jobs.queue;
    this.worker = new (peers.bullmq().Worker)<WorkflowJobData, unknown, WorkflowJobName>(
      queue.name,
      (job, token) =>
        job.name === 'tick'
          ? this.schedules.tick(job.data as ScheduleTickJob['data'])
          : processor.process(job, token),
      {
        connection: queue.opts.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        // A job whose worker died goes back to the queue on the lease's time scale, not BullMQ's
        // 30 s default. Whatever BullMQ does with it, the store keeps what the job was for.
        lockDuration: this.options.leaseMs,
        stalledInterval: this.options.leaseMs,
      },
    );
    const failures = new FailedJobLog(nestStoreLog('DurableWorkflow'));
    this.worker.on('failed', (job, error) => failures.failed(job, error));
    this.worker.on('completed', () => failures.completed());
    watchOutages(this.worker, 'The BullMQ worker');
    await this.worker.waitUntilReady();
    await this.sweep.start(this.options.sweepIntervalMs);
  }

  async run(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution> {
    const { execution, created } = await this.engine.create(workflowId, input, opts);
    if (!created) return execution;
    // Without a free concurrency slot it stays in line, pending, as start() leaves it.
    return this.here(execution, 'run', async (current, lease) =>
      (await this.gate.enter(current)) ? this.engine.drive(current, lease) : current,
    );
  }

  async start(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution> {
    // Refused before anything is saved, so a queue outage leaves no pending execution behind.
    await requireQueueAnswer(this.jobs.queue, QUEUE_ANSWER_MS);
    const { execution, created } = await this.engine.create(workflowId, input, opts);
    if (!created) return execution;
    // In line before start() returns, so executions of one key run in the order they were started;
    // one that waits is queued when a slot is freed for it.
    if (!(await this.gate.enter(execution))) return execution;
    try {
      const data = { ...jobTarget(execution), ...this.traced(), execution: carry(execution) };
      const jobId = await this.jobs.add({ name: 'start', data }, execution);
      this.startedHere.remember(execution.id, jobId);
    } catch (error) {
      // It is saved: a worker's recovery sweep takes it once the lease time has passed.
      this.logger.warn(
        `Execution ${execution.id} is saved but could not be queued (${String(error)}); a worker's recovery sweep will start it within ${this.options.leaseMs + this.options.sweepIntervalMs} ms.`,
      );
    }
    return execution;
  }

  /**
   * Records the resume in the store, then queues it; returns the execution as it was. Of
   * concurrent resumes one is accepted. Once accepted it is applied even if its job is lost.
   */
  async resume(executionId: string, payload: ResumePayload): Promise<Execution> {
    this.startedHere.forget(executionId);
    const execution = await this.mustLoad(executionId);
    this.engine.checkResume(execution, payload);
    assertJsonSafe(executionId, 'response', payload.response ?? null);
    await requireQueueAnswer(this.jobs.queue, QUEUE_ANSWER_MS);
    const accepted = await this.acceptance.accept(execution, payload);
    const data = {
      ...haltTarget(accepted.execution),
      ...this.traced(),
      payload,
      leaseOwner: accepted.owner,
    };
    try {
      // A finished job of this halt (one that failed every attempt) must not keep this one out.
      await this.jobs.add({ name: 'resume', data }, accepted.execution, 0, true);
    } catch (error) {
      this.logger.warn(
        `The resume of execution ${executionId} is accepted but could not be queued (${String(error)}); a worker's recovery sweep applies it within ${this.options.leaseMs + this.options.sweepIntervalMs} ms.`,
      );
    }
    return execution;
  }

  /** Jobs finished by any worker process, as BullMQ's queue events report them. */
  watchRemote(
    changed: (executionId: string, settled?: Execution) => void,
    listening: () => void,
  ): () => void {
    const queue = this.jobs.queue;
    const events: QueueEvents = new (peers.bullmq().QueueEvents)(queue.name, {
      connection: queue.opts.connection,
      prefix: this.options.prefix,
    });
    events.on('completed', ({ returnvalue }) => {
      const value: unknown =
        typeof returnvalue === 'string' ? parseJson(returnvalue) : (returnvalue as unknown);
      const executionId = (value as { executionId?: unknown } | null)?.executionId;
      if (typeof executionId === 'string') changed(executionId, settledIn(value));
    });
    watchOutages(events, 'The BullMQ queue events');
    events.waitUntilReady().then(listening, () => undefined);
    return () => void events.close();
  }

  /**
   * How the start job queued here for the execution came out, read from Redis instead of the store:
   * the execution it carried when it ended settled (completed or cancelled), `queued` while it
   * waits or runs, or null when it can't tell (not started here, removed, failed, halted, carried
   * nothing, or a failed run that a retry may have reopened since).
   */
  async outcomeOfJob(executionId: string): Promise<Execution | 'queued' | null> {
    const jobId = this.startedHere.jobOf(executionId);
    if (jobId === undefined) return null;
    const job = await this.jobs.queue.getJob(jobId);
    if (!job) return null;
    if (!job.finishedOn) return 'queued';
    const settled = settledIn(job.returnvalue);
    return settled && settled.status !== 'failed' ? settled : null;
  }

  /** Workers connected to the queue, as BullMQ lists them (each names its connection). */
  workersAlive(): Promise<number> {
    return this.jobs.queue.getWorkersCount();
  }

  async resumePending(execution: Execution): Promise<boolean> {
    if (execution.status !== 'halted') return false;
    return acceptedResumeOf(execution) !== undefined || this.jobs.isQueued('resume', execution);
  }

  async resumeNow(executionId: string, payload: ResumePayload): Promise<Execution> {
    const execution = await this.mustLoad(executionId);
    this.engine.checkResume(execution, payload);
    return this.here(execution, 'resume', (current, lease) =>
      this.halts.answer(current, payload, lease),
    );
  }

  /**
   * Puts the failed execution back to `pending` in the store (that is the retry accepted: the
   * recovery sweep drives it even if its job is lost), then queues a `rerun` job whose id names the
   * retry, so each retry is queued once.
   */
  async retry(executionId: string): Promise<Execution> {
    this.startedHere.forget(executionId);
    await requireQueueAnswer(this.jobs.queue, QUEUE_ANSWER_MS);
    const reopened = await this.engine.retry(executionId);
    await this.queue('rerun', reopened);
    return reopened;
  }

  /**
   * Saves the fork `pending` (the sweep starts it if its job is lost), then queues its start; a
   * fork asked again by its id is returned as it is.
   */
  async fork(executionId: string, options: ForkOptions): Promise<Execution> {
    await requireQueueAnswer(this.jobs.queue, QUEUE_ANSWER_MS);
    const { execution: fork, created } = await this.engine.createFork(executionId, options);
    if (created) await this.queue('start', fork);
    return fork;
  }

  private async queue(name: 'start' | 'rerun', execution: Execution): Promise<void> {
    try {
      await this.jobs.add({ name, data: jobTarget(execution) }, execution);
    } catch (error) {
      this.logger.warn(
        `Execution ${execution.id} is saved pending but could not be queued (${String(error)}); a worker's recovery sweep will take it within ${this.options.leaseMs + this.options.sweepIntervalMs} ms.`,
      );
    }
  }

  /**
   * Cancels here; a halted parent of a cancelled child is carried on by a worker (a `wake` job, under
   * its lease), as when the child fails.
   */
  async cancel(executionId: string): Promise<Execution> {
    this.startedHere.forget(executionId);
    const execution = await this.mustLoad(executionId);
    const cancelled = await this.engine.cancel(executionId, { settleParent: false });
    await this.jobs.drop(execution);
    await this.gate.leave(cancelled);
    const parentId = cancelled.runtime?.parent?.executionId;
    const parent = parentId === undefined ? null : await this.store.load(parentId);
    if (parent?.status === 'halted' && parent.haltData?.['child_execution_id'] === cancelled.id) {
      const wake = { name: 'wake', data: haltTarget(parent) } as const;
      await this.jobs.add(wake, parent, 0, true).catch((error: unknown) => {
        // The recovery sweep's check of halted parents wakes it later.
        this.logger.warn(
          `Execution ${parent.id} waits on cancelled child ${cancelled.id}; its wake could not be queued (${String(error)}), a worker's recovery sweep queues it.`,
        );
      });
    }
    return cancelled;
  }

  async delete(executionId: string): Promise<boolean> {
    this.startedHere.forget(executionId);
    const execution = await this.store.load(executionId);
    if (!execution) return false;
    await this.gate.leave(execution);
    const deleted = await this.store.delete(executionId);
    await this.jobs.drop(execution);
    return deleted;
  }

  /** Stops taking jobs and waits up to `graceMs` for jobs in flight to reach a checkpoint. */
  async stop(graceMs: number): Promise<void> {
    await this.sweep.stop();
    try {
      if (!this.worker) return;
      if (!(await withinGrace(this.worker.close(), graceMs))) {
        this.logger.warn(
          `Jobs were still running after ${graceMs} ms; their executions continue from their last checkpoint once their lease expires.`,
        );
        await this.worker.close(true);
      }
    } finally {
      // Slots still held lapse unrenewed, as leases do, and go to the next in line.
      this.gate.stop();
    }
  }

  /**
   * Runs work in this process under the execution's lease, then adds its timer job. No retry
   * back-off is deferred here (`run` and `resumeNow` wait in process), so nothing is parked.
   */
  private async here(
    execution: Execution,
    operation: string,
    work: (current: Execution, options: RunOptions) => Promise<Execution>,
  ): Promise<Execution> {
    const owner = `${this.workerId}#${operation}-${randomUUID()}`;
    const { executionId, root } = jobTarget(execution);
    const held = await this.leases.hold(executionId, root, owner, (lease, current) =>
      work(current, { lease: lease.releasedWithCheckpoint }),
    );
    if (held.kind === 'gone') throw new ExecutionNotFoundError(executionId);
    if (held.kind === 'busy') {
      const queued = operation === 'run' ? 'start()' : 'resume()';
      throw new ExecutionStateError(executionId, 'claimed by a worker right now', operation, [
        `it unclaimed: try again shortly, or use ${queued} to queue it`,
      ]);
    }
    await this.followUps.timers(held.execution, held.rootId);
    await this.gate.settled(held.execution);
    return held.execution;
  }

  /**
   * Queues the executions a freed slot was handed to. One lost here (the queue down) is taken up by
   * a worker's recovery sweep.
   */
  private async admit(executionIds: string[]): Promise<void> {
    try {
      const executions = await Promise.all(executionIds.map((id) => this.store.load(id)));
      await this.jobs.addMany(
        executions
          .filter((execution): execution is Execution => execution !== null)
          .map((execution) => ({
            job: { name: 'admit', data: jobTarget(execution) },
            execution,
            replaceFinished: true,
          })),
      );
    } catch (error) {
      this.logger.warn(
        `Could not queue execution(s) ${executionIds.join(', ')} for the concurrency slot freed for them (${String(error)}); a worker's recovery sweep starts them.`,
      );
    }
  }

  /** The caller's trace context, for the worker's spans to continue; nothing when there is none. */
  private traced(): { trace?: Record<string, string> } {
    const trace = this.telemetry.capture();
    return trace ? { trace } : {};
  }

  private async mustLoad(executionId: string): Promise<Execution> {
    const execution = await this.store.load(executionId);
    if (!execution) throw new ExecutionNotFoundError(executionId);
    return execution;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
