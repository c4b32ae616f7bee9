import { createHash } from 'node:crypto';
import { isPlainObject } from '../runtime/references';
import { sortedJson, sortedKeys } from '../runtime/sorted-json';
import type { EventWaitIndex } from '../store/workflow-store';
import type { Execution } from '../types';

/**
 * The index key of an event name and match values: equal for deeply equal values, whatever order
 * their keys are in. Waits are looked up by it, so sending an event reads only the waits it matches.
 */
export function eventKey(
  name: string,
  fields: readonly string[],
  values: readonly unknown[],
): string {
  return createHash('sha256')
    .update(sortedJson([name, fields, values]))
    .digest('hex');
}

/** The index entry of a wait for `name` whose payload fields must equal `match`. */
export function waitIndexOf(name: string, match: Record<string, unknown>): EventWaitIndex {
  const fields = sortedKeys(match);
  return {
    name,
    fields,
    key: eventKey(
      name,
      fields,
      fields.map((field) => match[field]),
    ),
  };
}

/** The key a payload has for waits with these match fields; null when it lacks one of them. */
export function payloadKey(
  name: string,
  fields: readonly string[],
  payload: unknown,
): string | null {
  if (fields.length === 0) return eventKey(name, fields, []);
  if (!isPlainObject(payload)) return null;
  if (!fields.every((field) => Object.prototype.hasOwnProperty.call(payload, field))) return null;
  return eventKey(
    name,
    fields,
    fields.map((field) => payload[field]),
  );
}

/** Whether every match field of the payload deep-equals the match's value. */
export function payloadMatches(match: Record<string, unknown>, payload: unknown): boolean {
  const fields = Object.keys(match);
  if (fields.length === 0) return true;
  if (!isPlainObject(payload)) return false;
  return fields.every(
    (field) =>
      Object.prototype.hasOwnProperty.call(payload, field) &&
      sortedJson(payload[field]) === sortedJson(match[field]),
  );
}

/** What an execution halted at an `event` step waits for, as its halt data says; null otherwise. */
export function eventWaitOf(
  execution: Pick<Execution, 'status' | 'haltData'>,
): { name: string; match: Record<string, unknown>; since: Date | null } | null {
  const data = execution.haltData;
  if (execution.status !== 'halted' || data?.['type'] !== 'event') return null;
  const { name, match, waiting_since: since } = data;
  if (typeof name !== 'string' || !isPlainObject(match)) return null;
  const sinceMs = typeof since === 'string' ? Date.parse(since) : NaN;
  return { name, match, since: Number.isNaN(sinceMs) ? null : new Date(sinceMs) };
}

/** The index entry of an execution halted at an `event` step; null for any other state. */
export function eventWaitIndexOf(
  execution: Pick<Execution, 'status' | 'haltData'>,
): EventWaitIndex | null {
  const wait = eventWaitOf(execution);
  return wait ? waitIndexOf(wait.name, wait.match) : null;
}
