import { RejectedValueError } from '../core/store/store-errors';
import type { StoredEvent } from '../core/store/workflow-store';
import { assertJsonSafe } from './serialization/json-safety';

/** Validates an event before a store keeps it; returns its payload as JSON text. */
export function encodeEvent(event: StoredEvent): string {
  for (const [what, value] of [
    ['id', event.id],
    ['name', event.name],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw new RejectedValueError(
        `An event's ${what} must be a string of 1 to 200 characters, got ${JSON.stringify(value)}.`,
      );
    }
  }
  if (!(event.sentAt instanceof Date) || Number.isNaN(event.sentAt.getTime())) {
    throw new RejectedValueError(`Event "${event.id}": sentAt must be a valid Date.`);
  }
  assertJsonSafe(`event ${event.id}`, 'payload', event.payload ?? null);
  return JSON.stringify(event.payload ?? null);
}

/** An event id a store is asked about, refused unless it is one an event can have. */
export function requireEventId(id: unknown, method: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
    throw new RejectedValueError(
      `${method}: an event id must be a string of 1 to 200 characters, got ${JSON.stringify(id) ?? String(id)}.`,
    );
  }
  return id;
}

/** The index keys a store is asked for: sha-256 digests in hex, never anything else. */
export function requireEventKeys(keys: readonly string[]): void {
  for (const key of keys) {
    if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) {
      throw new RejectedValueError(
        `An event wait key must be a sha-256 digest in hex (eventKey()), got ${JSON.stringify(key)}.`,
      );
    }
  }
}

/** A moment an event method is given, refused unless it is a valid Date. */
export function resolveMoment(value: unknown, method: string, parameter: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RejectedValueError(
      `${method}: ${parameter} must be a valid Date, got ${String(value)}.`,
    );
  }
  return value;
}
