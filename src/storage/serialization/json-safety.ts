import { isPlainObject } from '../../core/runtime/references';
import { UnserializableValueError } from '../../core/store/store-errors';

/**
 * Refuses any value that JSON would silently change: a reader must get back exactly what was saved
 * (Dates excepted, which come back as ISO-8601 strings). Throws `UnserializableValueError` naming the path.
 */
export function assertJsonSafe(executionId: string, path: string, value: unknown): void {
  const problem = findProblem(value, path, []);
  if (problem) throw new UnserializableValueError(executionId, problem.path, problem.reason);
}

/**
 * Deepest nesting stored. SQLite's JSON functions stop at 1000 levels and a stored value sits a few
 * levels down in its column; past this a value is refused here, as the same refusal on every store.
 */
export const MAX_JSON_DEPTH = 500;

interface Problem {
  path: string;
  reason: string;
}

function findProblem(value: unknown, path: string, ancestors: object[]): Problem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, reason: `${value} is not a JSON number` };
    case 'bigint':
      return { path, reason: 'a BigInt; store it as a string' };
    case 'function':
      return { path, reason: 'a function' };
    case 'symbol':
      return { path, reason: 'a symbol' };
    case 'undefined':
      return { path, reason: 'undefined; use null' };
  }
  if (value === null) return null;
  const object = value as object;
  if (isDate(object)) {
    return Number.isNaN(object.getTime()) ? { path, reason: 'an invalid Date' } : null;
  }
  if (ancestors.includes(object)) return { path, reason: 'a circular reference' };
  if (ancestors.length >= MAX_JSON_DEPTH)
    return { path, reason: `nested deeper than ${MAX_JSON_DEPTH} levels; flatten it` };
  if (Array.isArray(object)) return arrayProblem(object, path, ancestors);
  // Plain objects of any realm (structuredClone, vm contexts) are fine; class instances are not.
  if (!isPlainObject(object)) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    return { path, reason: `an instance of ${name}; only plain objects and Dates are stored` };
  }
  if (Object.getOwnPropertySymbols(object).length > 0) {
    return { path, reason: 'an object with symbol keys' };
  }
  ancestors.push(object);
  for (const [key, child] of Object.entries(object)) {
    // An undefined property is simply absent after a round trip, which is what it meant.
    if (child === undefined) continue;
    const problem = findProblem(child, childPath(path, key), ancestors);
    if (problem) return problem;
  }
  ancestors.pop();
  return null;
}

function arrayProblem(array: unknown[], path: string, ancestors: object[]): Problem | null {
  if (!isArrayPrototypeOfAnyRealm(Object.getPrototypeOf(array))) {
    return { path, reason: 'an instance of a subclass of Array' };
  }
  ancestors.push(array);
  for (let index = 0; index < array.length; index++) {
    const itemPath = `${path}[${index}]`;
    if (!(index in array)) return { path: itemPath, reason: 'a hole in a sparse array' };
    const problem = findProblem(array[index], itemPath, ancestors);
    if (problem) return problem;
  }
  ancestors.pop();
  return null;
}

/** Array.prototype of any realm (itself an array), not a subclass's prototype. */
function isArrayPrototypeOfAnyRealm(prototype: unknown): boolean {
  return (
    Array.isArray(prototype) && Object.getPrototypeOf(Object.getPrototypeOf(prototype)) === null
  );
}

function isDate(value: object): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
