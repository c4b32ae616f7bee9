import { isPlainObject } from './references';

/**
 * JSON text with object keys sorted at every level, so equal values have equal text whatever order
 * their keys were written or stored in (Postgres jsonb reorders keys, other stores do not).
 * Undefined and non-finite numbers, which JSON has no place for, are written as JSON.stringify
 * writes them inside an array.
 */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = sortedKeys(value)
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${sortedJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object's own keys in code-unit order: the one key order every op that shows keys uses. */
export function sortedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).sort();
}
