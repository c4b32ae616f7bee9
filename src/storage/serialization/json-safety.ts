import { isPlainObject } from '../../core/runtime/references';
import { UnserializableValueError } from '../../core/store/store-errors';

/**
 * Refuses any value that JSON would silently change: a reader must get back exactly what was saved
 * (Dates excepted, which come back as ISO-8601 strings). Throws `UnserializableValueError` naming the path.
 */
export function assertJsonSafe(executionId: string, path: string, value: unknown): void {
  const trail: (string | number)[] = [];
  const reason = findProblem(value, trail, []);
  if (reason) throw new UnserializableValueError(executionId, pathOf(path, trail), reason);
}

/**
 * Deepest nesting stored. SQLite's JSON functions stop at 1000 levels and a stored value sits a few
 * levels down in its column; past this a value is refused here, as the same refusal on every store.
 */
export const MAX_JSON_DEPTH = 500;

/**
 * Why `value` cannot be stored, or null. `trail` holds the keys and indexes down to the value
 * refused: every checkpoint walks the whole context, so the path's text is only built for a refusal.
 */
function findProblem(
  value: unknown,
  trail: (string | number)[],
  ancestors: object[],
): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a JSON number`;
    case 'bigint':
      return 'a BigInt; store it as a string';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'undefined':
      return 'undefined; use null';
  }
  if (value === null) return null;
  const object = value as object;
  // Plain objects and arrays of this realm, nearly every value walked, are told by their prototype
  // alone; other values take the slower checks that also know Dates and other realms.
  const prototype: unknown = Object.getPrototypeOf(object);
  const plain = prototype === Object.prototype || prototype === null;
  const array = !plain && prototype === Array.prototype && Array.isArray(object);
  if (!plain && !array && isDate(object)) {
    return Number.isNaN(object.getTime()) ? 'an invalid Date' : null;
  }
  if (ancestors.includes(object)) return 'a circular reference';
  if (ancestors.length >= MAX_JSON_DEPTH)
    return `nested deeper than ${MAX_JSON_DEPTH} levels; flatten it`;
  if (array) return arrayProblem(object, trail, ancestors);
  if (Array.isArray(object)) {
    if (!isArrayPrototypeOfAnyRealm(prototype)) return 'an instance of a subclass of Array';
    return arrayProblem(object, trail, ancestors);
  }
  // Plain objects of any realm (structuredClone, vm contexts) are fine; class instances are not.
  if (!plain && !isPlainObject(object)) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    return `an instance of ${name}; only plain objects and Dates are stored`;
  }
  if (Object.getOwnPropertySymbols(object).length > 0) {
    return 'an object with symbol keys';
  }
  ancestors.push(object);
  for (const key of Object.keys(object)) {
    const child = (object as Record<string, unknown>)[key];
    // An undefined property is simply absent after a round trip, which is what it meant.
    if (child === undefined) continue;
    trail.push(key);
    const problem = findProblem(child, trail, ancestors);
    if (problem) return problem;
    trail.pop();
  }
  ancestors.pop();
  return null;
}

function arrayProblem(
  array: unknown[],
  trail: (string | number)[],
  ancestors: object[],
): string | null {
  ancestors.push(array);
  for (let index = 0; index < array.length; index++) {
    trail.push(index);
    if (!(index in array)) return 'a hole in a sparse array';
    const problem = findProblem(array[index], trail, ancestors);
    if (problem) return problem;
    trail.pop();
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

/** The path of a refused value: `ctx.order.items[2]`, or `ctx["a key"]` where a key is no name. */
function pathOf(path: string, trail: readonly (string | number)[]): string {
  let text = path;
  for (const step of trail) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return text;
}
