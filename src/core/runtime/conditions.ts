import type { Condition } from '../definition/definition-types';
import { PatternInputTooLongError } from '../errors';
import { patternAtRunTime } from './runtime-pattern';
import { isPlainObject, readPath, resolveValue, type ReferenceScope } from './references';

export function evaluateCondition(condition: Condition, scope: ReferenceScope): boolean {
  const actual = readPath(condition.field, scope);
  const expected = resolveValue(condition.value, scope);
  switch (condition.op) {
    case 'eq':
      return equal(actual, expected);
    case 'neq':
      return !equal(actual, expected);
    case 'gt':
      return compare(actual, expected, (a, b) => a > b);
    case 'gte':
      return compare(actual, expected, (a, b) => a >= b);
    case 'lt':
      return compare(actual, expected, (a, b) => a < b);
    case 'lte':
      return compare(actual, expected, (a, b) => a <= b);
    // A single value is a list of one, as in the original format.
    case 'in':
      return asList(expected).some((item) => equal(actual, item));
    case 'not_in':
      return !asList(expected).some((item) => equal(actual, item));
    case 'contains':
      if (typeof actual === 'string')
        return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => equal(item, expected));
    case 'starts_with':
      return (
        typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected)
      );
    case 'ends_with':
      return (
        typeof actual === 'string' && typeof expected === 'string' && actual.endsWith(expected)
      );
    case 'matches':
      return typeof actual === 'string' && matches(condition, expected, actual);
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'not_exists':
      return actual === undefined || actual === null;
    case 'empty':
      return isEmpty(actual);
    case 'truthy':
      return Boolean(actual);
    case 'falsy':
      return !actual;
  }
}

/**
 * Patterns run in linear time, but the text comes from inputs and services, so its size is not
 * the document's to choose: past this length the step fails instead of quietly routing elsewhere.
 */
export const MATCHES_INPUT_LIMIT = 10_000;

function matches(condition: Condition, source: unknown, text: string): boolean {
  if (text.length > MATCHES_INPUT_LIMIT) {
    throw new PatternInputTooLongError(condition.field, text.length, MATCHES_INPUT_LIMIT);
  }
  return (condition.pattern ?? patternAtRunTime(condition, source)).test(text);
}

/**
 * Compares numbers, and strings that hold one (`"150"` > 100), as the original format does. Other
 * values never compare: the original read them as 0, so a missing amount passed `lt: 100`.
 */
function compare(a: unknown, b: unknown, test: (a: number, b: number) => boolean): boolean {
  const x = numeric(a);
  const y = numeric(b);
  return x !== null && y !== null && test(x, y);
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number') return Number.isNaN(value) ? null : value;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Structural equality of JSON values. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && equal(a[key], b[key]))
    );
  }
  return false;
}
