import type { Queue } from 'bullmq';
import type { Execution } from '../../core/types';
import type { ResolvedQueueOptions } from './queue.options';
import {
  WORKFLOW_JOB_NAMES,
  workflowJobId,
  type JobSubject,
  type WorkflowJob,
  type WorkflowJobData,
  type WorkflowJobName,
} from './workflow-jobs';

export type WorkflowBullQueue = Queue<WorkflowJobData, unknown, WorkflowJobName>;

/** A job to add for an execution, after `delayMs`. */
export interface PlannedJob {
  job: WorkflowJob;
  execution: JobSubject;
  delayMs?: number;
  replaceFinished?: boolean;
}

/** Adds and drops the jobs of executions, with ids derived from them. */
export class WorkflowJobQueue {
  constructor(
    readonly queue: WorkflowBullQueue,
    private readonly options: ResolvedQueueOptions,
  ) {}

  /**
   * Adds the job unless one with its id is there already; returns its id. `replaceFinished`
   * replaces a kept job of that id that already completed or failed.
   */
  async add(
    job: WorkflowJob,
    execution: JobSubject,
    delayMs = 0,
    replaceFinished = false,
  ): Promise<string> {
    const [jobId] = await this.addMany([{ job, execution, delayMs, replaceFinished }]);
    return jobId;
  }

  /** `add` for many jobs, in one round trip to Redis (plus one per job to replace). */
  async addMany(planned: readonly PlannedJob[]): Promise<string[]> {
    const jobIds = planned.map(({ job, execution }) => workflowJobId(job.name, execution));
    await Promise.all(
      planned.map((p, i) => (p.replaceFinished ? this.removeFinished(jobIds[i]) : undefined)),
    );
    if (planned.length === 0) return jobIds;
    await this.queue.addBulk(
      planned.map(({ job, delayMs = 0 }, i) => ({
        name: job.name,
        data: job.data,
        opts: {
          jobId: jobIds[i],
          delay: Math.max(0, Math.round(delayMs)),
          attempts: this.options.attempts,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: this.options.removeOnComplete,
          removeOnFail: this.options.removeOnFail,
        },
      })),
    );
    return jobIds;
  }

  /** Removes the job if it completed or failed; one waiting, delayed or running stays. */
  async removeFinished(jobId: string): Promise<void> {
    const state = await this.queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') await this.queue.remove(jobId);
  }

  /** Whether the execution's job of this kind waits or runs (not yet finished). */
  async isQueued(name: WorkflowJobName, execution: JobSubject): Promise<boolean> {
    const state = await this.queue.getJobState(workflowJobId(name, execution));
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  /** The data of the job stored under `jobId`: tells whether an add found another one there. */
  async storedData(jobId: string): Promise<WorkflowJobData | null> {
    const job = await this.queue.getJob(jobId);
    return job ? job.data : null;
  }

  /**
   * Drops the waiting and delayed jobs of an execution as it was when loaded. A job being run is
   * locked and stays; it finds the execution cancelled or gone and does nothing.
   */
  async drop(execution: Execution): Promise<void> {
    await Promise.all(
      WORKFLOW_JOB_NAMES.map((name) => this.queue.remove(workflowJobId(name, execution))),
    );
  }
}
