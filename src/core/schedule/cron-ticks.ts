import { CronExpressionParser } from 'cron-parser';
import { createHash } from 'node:crypto';
import type { ScheduleSpec } from '../definition/definition-types';

type Cron = Pick<ScheduleSpec, 'cron' | 'timezone'>;

/** The first tick strictly after `after`. */
export function nextTick(schedule: Cron, after: Date): Date {
  return CronExpressionParser.parse(schedule.cron, {
    tz: schedule.timezone,
    currentDate: after,
  })
    .next()
    .toDate();
}

/** The latest tick at or before `at`, or null when the expression has none (a date long past). */
export function latestTick(schedule: Cron, at: Date): Date | null {
  // `prev` is strictly before its start: a millisecond on, a tick at exactly `at` counts.
  const expression = CronExpressionParser.parse(schedule.cron, {
    tz: schedule.timezone,
    currentDate: new Date(at.getTime() + 1),
  });
  return expression.hasPrev() ? expression.prev().toDate() : null;
}

/** Why `cron` is not a cron expression, or null when it is one. */
export function cronProblem(cron: string): string | null {
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether the runtime knows `timezone` as an IANA zone. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The id of the execution a tick starts: a UUID derived from the workflow and the tick, so every
 * process that fires the same tick asks for the same execution and one start wins.
 */
export function scheduledExecutionId(workflowId: string, tick: Date): string {
  const hex = createHash('sha256')
    .update(`schedule/${workflowId}/${tick.toISOString()}`)
    .digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
