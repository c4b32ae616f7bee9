import { isPlainObject } from '../runtime/references';
import { cronProblem, isKnownTimeZone } from '../schedule/cron-ticks';
import type { ConcurrencySpec, FlowControl, ScheduleSpec } from './definition-types';
import { FieldReader } from './field-reader';
import { describeValue, type Problems } from './problems';

const OVERLAPS = ['allow', 'skip'] as const;

/** Reads the top-level `schedule` and `concurrency` of a document. */
export function parseFlowControl(raw: Record<string, unknown>, problems: Problems): FlowControl {
  return {
    schedule: raw['schedule'] === undefined ? undefined : parseSchedule(raw['schedule'], problems),
    concurrency:
      raw['concurrency'] === undefined ? undefined : parseConcurrency(raw['concurrency'], problems),
  };
}

function parseSchedule(raw: unknown, problems: Problems): ScheduleSpec | undefined {
  const where = 'schedule';
  if (!isPlainObject(raw)) {
    problems.add(
      where,
      `must be a map {cron, timezone, input, overlap}, got ${describeValue(raw)}`,
    );
    return undefined;
  }
  const reader = new FieldReader(raw, where, problems);
  reader.unknownKeys(['cron', 'timezone', 'input', 'overlap']);
  const cron = reader.string('cron', true);
  const timezone = reader.string('timezone') ?? 'UTC';
  const input = reader.map('input') ?? {};
  const overlap = reader.string('overlap') ?? 'allow';
  let valid = cron !== undefined;
  const problem = cron === undefined ? null : cronProblem(cron);
  if (problem) {
    problems.add(where, `cron "${cron}" is not a cron expression: ${problem}`);
    valid = false;
  }
  if (!isKnownTimeZone(timezone)) {
    problems.add(where, `timezone "${timezone}" is not an IANA time zone (such as "Europe/Paris")`);
    valid = false;
  }
  if (!(OVERLAPS as readonly string[]).includes(overlap)) {
    problems.add(where, `overlap must be one of ${OVERLAPS.join(', ')}, got "${overlap}"`);
    valid = false;
  }
  if (!valid || cron === undefined) return undefined;
  return { cron, timezone, input, overlap: overlap as ScheduleSpec['overlap'] };
}

function parseConcurrency(raw: unknown, problems: Problems): ConcurrencySpec | undefined {
  const where = 'concurrency';
  if (!isPlainObject(raw)) {
    problems.add(where, `must be a map {limit, key}, got ${describeValue(raw)}`);
    return undefined;
  }
  const reader = new FieldReader(raw, where, problems);
  reader.unknownKeys(['limit', 'key']);
  const limit = reader.number('limit', { required: true, integer: true, min: 1 });
  const key = raw['key'];
  if (key !== undefined && (typeof key === 'object' || key === '')) {
    problems.add(
      where,
      `"key" must be a reference such as "$input.customerId" or a literal, got ${describeValue(key)}`,
    );
    return undefined;
  }
  if (limit === undefined) return undefined;
  return key === undefined ? { limit } : { limit, key };
}
