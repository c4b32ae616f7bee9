import type { WorkflowRegistry } from '../../core/registry';
import { nextTick } from '../../core/schedule/cron-ticks';

/** A registered schedule and its next tick, as `WorkflowService.schedules()` lists it. */
export interface ScheduleInfo {
  workflowId: string;
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  nextRunAt: Date;
}

/** The schedules of the newest version of every workflow, by workflow id. */
export function listSchedules(registry: WorkflowRegistry, now: Date): ScheduleInfo[] {
  return registry
    .ids()
    .sort()
    .flatMap((id) => {
      const { schedule } = registry.get(id);
      if (!schedule) return [];
      const { cron, timezone } = schedule;
      return [{ workflowId: id, cron, timezone, nextRunAt: nextTick(schedule, now) }];
    });
}
