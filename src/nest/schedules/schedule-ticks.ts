import type { Logger } from '@nestjs/common';
import type { StartOptions } from '../../core/engine/workflow-engine';
import type { ScheduleSpec, WorkflowDefinition } from '../../core/definition/definition-types';
import type { WorkflowRegistry } from '../../core/registry';
import { latestTick, scheduledExecutionId } from '../../core/schedule/cron-ticks';
import type { WorkflowStore } from '../../core/store/workflow-store';
import { isFinished, type Execution } from '../../core/types';
import { MemoryLastTicks, type LastTicks } from './last-ticks';

/** Executions read per page while looking for a workflow's last scheduled one. */
const PAGE = 100;

export type ScheduledWorkflow = WorkflowDefinition & { schedule: ScheduleSpec };

type Start = (
  workflowId: string,
  input: Record<string, unknown>,
  options: StartOptions,
) => Promise<Execution>;

/**
 * What a tick does, wherever it comes from (a timer in process, a BullMQ job scheduler): starts
 * the execution whose id derives from the workflow and the tick, so a tick fired by several
 * processes, or twice, starts one execution; `overlap: skip` skips it while the last scheduled
 * execution is not finished.
 */
export class ScheduleTicks {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly store: WorkflowStore,
    private readonly start: Start,
    private readonly logger: Logger,
    private readonly lastTicks: LastTicks = new MemoryLastTicks(),
  ) {}

  /** The newest version of every workflow that has a schedule. */
  scheduled(): ScheduledWorkflow[] {
    return this.registry
      .ids()
      .map((id) => this.registry.get(id))
      .filter((definition): definition is ScheduledWorkflow => definition.schedule !== undefined);
  }

  /** Starts the tick's execution; null when `overlap: skip` skipped it. */
  async fire(workflow: ScheduledWorkflow, tick: Date): Promise<Execution | null> {
    const executionId = scheduledExecutionId(workflow.id, tick);
    if (workflow.schedule.overlap === 'skip') {
      const last = await this.lastScheduled(workflow.id);
      if (last && last.id !== executionId && !isFinished(last.status)) {
        this.logger.log(
          `Schedule of workflow "${workflow.id}": the tick of ${tick.toISOString()} is skipped (overlap: skip), execution ${last.id} is still ${last.status}.`,
        );
        return null;
      }
    }
    const started = await this.start(workflow.id, workflow.schedule.input, {
      executionId,
      scheduledFor: tick,
    });
    await this.lastTicks.set(workflow.id, tick, started.id);
    return started;
  }

  /**
   * After downtime: runs the latest tick that passed since the last scheduled execution, and no
   * earlier one. A workflow never run by its schedule has missed nothing.
   */
  async catchUp(workflow: ScheduledWorkflow, now: Date): Promise<Execution | null> {
    const tick = latestTick(workflow.schedule, now);
    if (!tick) return null;
    const last = await this.lastScheduled(workflow.id);
    const lastTick = last?.runtime?.scheduledFor;
    if (!lastTick || Date.parse(lastTick) >= tick.getTime()) return null;
    this.logger.log(
      `Schedule of workflow "${workflow.id}": running the tick of ${tick.toISOString()}, missed while no process ran; earlier missed ticks are not run.`,
    );
    return this.fire(workflow, tick);
  }

  /**
   * The newest execution a tick started, if any: read by the id kept for the latest tick. Only
   * when none is kept (the first lookup of a process in process mode, or ever) or it was deleted
   * are the workflow's executions paged through, newest first, once.
   */
  private async lastScheduled(workflowId: string): Promise<Execution | null> {
    const known = await this.lastTicks.get(workflowId);
    const kept = known === undefined ? null : await this.store.load(known);
    if (kept) return kept;
    // None kept, or it was deleted since (deleteFinished): an earlier one may remain.
    const found = await this.pageBack(workflowId);
    const tick = found?.runtime?.scheduledFor;
    if (found && tick) await this.lastTicks.set(workflowId, new Date(tick), found.id);
    return found;
  }

  private async pageBack(workflowId: string): Promise<Execution | null> {
    let before: string | undefined;
    for (;;) {
      const page = await this.store.find({ workflowId, limit: PAGE, before });
      const found = page.find((execution) => execution.runtime?.scheduledFor !== undefined);
      if (found) return found;
      if (page.length < PAGE) return null;
      before = page[page.length - 1].id;
    }
  }
}
