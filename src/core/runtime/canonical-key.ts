import { isPlainObject } from './references';

/**
 * A text that two JSON values share exactly when they are structurally equal: object keys are
 * sorted, so key order does not matter (Postgres jsonb reorders keys). It lets `uniq` find repeats
 * with one lookup per item instead of comparing every pair.
 */
export function canonicalKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalKey(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}
