import { InvalidOptionError } from '../../core/errors';

/** How long sent events are kept: for `lookback`, and so a repeated id is recognised. */
export interface WorkflowEventsOptions {
  /**
   * Seconds an event is kept after it was sent; an `event` step's `lookback` may not be longer.
   * @defaultValue 86400 (one day)
   */
  retentionSeconds?: number;
  /** How often this process removes events older than the retention, in ms. @defaultValue 60000 */
  pruneIntervalMs?: number;
}

export type ResolvedEventsOptions = Required<WorkflowEventsOptions>;

class EventsDefaults implements ResolvedEventsOptions {
  retentionSeconds = 86_400;
  pruneIntervalMs = 60_000;
}

export function resolveEventsOptions(options: WorkflowEventsOptions = {}): ResolvedEventsOptions {
  const resolved = { ...new EventsDefaults() };
  for (const key of ['retentionSeconds', 'pruneIntervalMs'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidOptionError(
        `events.${key}`,
        `must be a whole number of at least 1, got ${String(value)}.`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}
