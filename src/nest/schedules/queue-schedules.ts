import type { Logger } from '@nestjs/common';
import { latestTick } from '../../core/schedule/cron-ticks';
import type { Execution } from '../../core/types';
import type { ResolvedQueueOptions } from '../queue/queue.options';
import type { WorkflowBullQueue } from '../queue/workflow-job-queue';
import type { ScheduleTickJob, WorkflowJobName } from '../queue/workflow-jobs';
import type { ScheduleTicks } from './schedule-ticks';

/** Job schedulers of workflow schedules are named so, and only they. */
const SCHEDULER_PREFIX = 'schedule-';

/**
 * Schedules in queue mode, as BullMQ job schedulers: one per scheduled workflow, shared by every
 * process, so a tick is one `tick` job however many processes run, taken by one worker. A tick job
 * that comes late (no worker ran at its time) starts the latest tick passed, not the one it was
 * made for, so after downtime at most the latest missed tick runs.
 */
export class QueueSchedules {
  constructor(
    private readonly queue: WorkflowBullQueue,
    private readonly ticks: ScheduleTicks,
    private readonly now: () => Date,
    private readonly options: ResolvedQueueOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Puts a job scheduler in place for every scheduled workflow and removes those of workflows no
   * longer scheduled; then runs the latest tick missed while nothing ran.
   */
  async register(): Promise<void> {
    const scheduled = this.ticks.scheduled();
    const wanted = new Set(scheduled.map((workflow) => SCHEDULER_PREFIX + workflow.id));
    for (const workflow of scheduled) {
      const tick: ScheduleTickJob = { name: 'tick', data: { workflowId: workflow.id } };
      await this.queue.upsertJobScheduler(
        // BullMQ types a scheduler's id as a job name; it is any string.
        (SCHEDULER_PREFIX + workflow.id) as WorkflowJobName,
        { pattern: workflow.schedule.cron, tz: workflow.schedule.timezone },
        {
          name: tick.name,
          data: tick.data,
          opts: {
            attempts: this.options.attempts,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: this.options.removeOnComplete,
            removeOnFail: this.options.removeOnFail,
          },
        },
      );
    }
    for (const existing of await this.queue.getJobSchedulers()) {
      const id = existing.id ?? existing.key;
      if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
        await this.queue.removeJobScheduler(id);
        this.logger.log(
          `Removed the job scheduler "${id}": its workflow has no schedule any more.`,
        );
      }
    }
    for (const workflow of scheduled) await this.ticks.catchUp(workflow, this.now());
  }

  /** Runs a `tick` job: starts the latest tick of the workflow's schedule. */
  async tick(data: ScheduleTickJob['data']): Promise<{ executionId: string | null }> {
    const workflow = this.ticks.scheduled().find((candidate) => candidate.id === data.workflowId);
    if (!workflow) return { executionId: null };
    const tick = latestTick(workflow.schedule, this.now());
    if (!tick) return { executionId: null };
    const started: Execution | null = await this.ticks.fire(workflow, tick);
    return { executionId: started?.id ?? null };
  }
}
