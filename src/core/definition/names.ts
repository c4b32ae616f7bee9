import {
  BUILT_IN_NAMES,
  FORBIDDEN_SEGMENTS,
  REFERENCE,
  isPlainObject,
} from '../runtime/references';
import type { Problems } from './problems';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUILT_IN = new Set<string>(BUILT_IN_NAMES);

/** Why the prototype names are refused wherever a document names something. */
export const PROTOTYPE_NAME =
  '"__proto__", "constructor" and "prototype" reach object prototypes, so the value would be lost or read as missing';

/** Why a document may not write the variable `name`, or null when it may. */
export function variableNameProblem(name: string): 'invalid' | 'built-in' | 'prototype' | null {
  if (!VARIABLE_NAME.test(name)) return 'invalid';
  if (FORBIDDEN_SEGMENTS.has(name)) return 'prototype';
  if (BUILT_IN.has(name)) return 'built-in';
  return null;
}

/** The first segment of a path (`a.b.c`) that is a prototype name, if any. */
export function prototypeSegment(path: string): string | undefined {
  return path.split('.').find((segment) => FORBIDDEN_SEGMENTS.has(segment));
}

/**
 * Why a path the document reads by name (a condition's field, a transform's input, a pluck path)
 * is refused, or null. A path written with `$` is a reference, which checkStepValues reports.
 */
export function pathProblem(path: string): string | null {
  const segment = path.startsWith('$') ? undefined : prototypeSegment(path);
  return segment ? `path "${path}" walks "${segment}": ${PROTOTYPE_NAME}` : null;
}

/**
 * Looks through a step's values (not its nested steps, which are checked as steps) for references
 * that walk a prototype name, such as `$order.__proto__`, and for maps with a `__proto__` key,
 * which copying a value would drop. `skipKeysOf` names maps whose keys are checked elsewhere.
 */
export function checkStepValues(
  raw: Record<string, unknown>,
  where: string,
  problems: Problems,
  skipKeysOf: readonly string[],
): void {
  const pending: { value: unknown; at: string; checkKeys: boolean }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'do' || key === 'branches') continue;
    pending.push({ value, at: key, checkKeys: !skipKeysOf.includes(key) });
  }
  while (pending.length > 0) {
    const { value, at, checkKeys } = pending.pop() as (typeof pending)[number];
    if (typeof value === 'string') {
      for (const match of value.matchAll(REFERENCE)) {
        const segment = prototypeSegment(match[1]);
        if (segment) {
          problems.add(where, `${at}: "$${match[1]}" walks "${segment}": ${PROTOTYPE_NAME}`);
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) =>
        pending.push({ value: item, at: `${at}[${index}]`, checkKeys: true }),
      );
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === '__proto__' && checkKeys) {
          problems.add(where, `${at}: the key "__proto__" would be dropped: ${PROTOTYPE_NAME}`);
        }
        pending.push({ value: item, at: `${at}.${key}`, checkKeys: true });
      }
    }
  }
}
