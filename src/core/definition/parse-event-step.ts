import { FORBIDDEN_SEGMENTS } from '../runtime/references';
import type { EventStep } from './definition-types';
import type { FieldReader } from './field-reader';
import { PROTOTYPE_NAME } from './names';
import type { Problems } from './problems';

/** An event name: what `sendEvent` and `POST /events/:name` accept. */
export const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Longest `lookback` a document may ask for; the module's retention may be shorter. */
export const MAX_LOOKBACK_SECONDS = 366 * 24 * 60 * 60;

/** Reads an `event` step: what it waits for, for how long, and how far back an event still counts. */
export function parseEventStep(
  r: FieldReader,
  base: { id: string; next?: string; on_error?: string },
  problems: Problems,
): EventStep {
  const name = r.string('name', true) ?? '';
  if (name && !EVENT_NAME.test(name)) {
    problems.add(r.where, `"name" must match [A-Za-z0-9_.:-]{1,200}, got "${name}"`);
  }
  const match = r.map('match') ?? {};
  for (const field of Object.keys(match)) {
    if (FORBIDDEN_SEGMENTS.has(field)) {
      problems.add(r.where, `"match" field "${field}" is refused: ${PROTOTYPE_NAME}`);
    }
  }
  if (r.has('on_timeout') && !r.has('timeout')) {
    problems.add(r.where, '"on_timeout" needs a "timeout"');
  }
  const lookback = r.number('lookback', { min: 0, fallback: 0 }) ?? 0;
  if (lookback > MAX_LOOKBACK_SECONDS) {
    problems.add(r.where, `"lookback" is ${lookback} s, more than ${MAX_LOOKBACK_SECONDS} s`);
  }
  return {
    ...base,
    type: 'event',
    name,
    match,
    timeout: r.number('timeout', { min: 1 }),
    on_timeout: r.string('on_timeout'),
    output: r.variable('output'),
    lookback,
  };
}
