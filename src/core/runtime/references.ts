import { sortedJson } from './sorted-json';

/**
 * `$input.a.b`, `$now`, `$response`, `$approved`, and `$name.path` for context variables. Paths walk
 * own properties of plain objects and numeric indexes of arrays; they never reach prototypes and
 * never call anything.
 */
export interface ReferenceScope {
  input: Record<string, unknown>;
  ctx: Record<string, unknown>;
  now: () => string;
  response: unknown;
  approved: boolean | null;
  /** `$history`: the completed steps so far, oldest first. */
  history?: () => unknown[];
  /** Told the name of each context variable read: what it holds may now be changed in place. */
  read?: (name: string) => void;
}

/** Never walked: they reach or replace an object's prototype. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
export const REFERENCE = /\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)/g;
export const EXACT_REFERENCE = /^\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)$/;

/** Resolves references anywhere in a value: objects and arrays are copied, strings substituted. */
export function resolveValue(value: unknown, scope: ReferenceScope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (isPlainObject(value)) {
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) resolved[key] = resolveValue(item, scope);
    return resolved;
  }
  return value;
}

function resolveString(text: string, scope: ReferenceScope): unknown {
  const exact = EXACT_REFERENCE.exec(text);
  if (exact) return readPath(exact[1], scope) ?? null;
  if (!text.includes('$')) return text;
  return text.replace(REFERENCE, (_match, path: string) => stringForm(readPath(path, scope)));
}

/** Reads `input.a.0.b`-style paths (no `$`); undefined when any segment is missing. */
export function readPath(path: string, scope: ReferenceScope): unknown {
  const [head, ...rest] = path.split('.');
  let current: unknown;
  switch (head) {
    case 'input':
      current = scope.input;
      break;
    case 'now':
      current = scope.now();
      break;
    case 'response':
    case 'approved':
      // What the last resume carried, or what an `assign` set since.
      scope.read?.(head);
      current = Object.prototype.hasOwnProperty.call(scope.ctx, head)
        ? scope.ctx[head]
        : scope[head];
      break;
    case 'history':
      current = scope.history?.() ?? [];
      break;
    default:
      scope.read?.(head);
      current = ownValue(scope.ctx, head);
  }
  for (const segment of rest) {
    if (current === undefined || current === null) return undefined;
    current = ownValue(current, segment);
  }
  return current;
}

function ownValue(container: unknown, segment: string): unknown {
  if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(segment)) return undefined;
    const index = Number(segment);
    return index < container.length ? container[index] : undefined;
  }
  if (isPlainObject(container) && Object.prototype.hasOwnProperty.call(container, segment)) {
    return container[segment];
  }
  return undefined;
}

export function stringForm(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Keys sorted, so the text is the same before and after a store reorders them.
  return sortedJson(value);
}

/** The variable names a value refers to (the first segment of each reference). */
export function referencedNames(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const match of value.matchAll(REFERENCE)) into.add(match[1].split('.')[0]);
  } else if (Array.isArray(value)) {
    value.forEach((item) => referencedNames(item, into));
  } else if (isPlainObject(value)) {
    Object.values(value).forEach((item) => referencedNames(item, into));
  }
  return into;
}

/** A plain object of this or another realm (structuredClone, vm contexts). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (
    prototype === null ||
    (Object.getPrototypeOf(prototype) === null &&
      Object.prototype.toString.call(value) === '[object Object]')
  );
}

/** Names that are always readable without being set by a step. */
export const BUILT_IN_NAMES = ['input', 'now', 'response', 'approved', 'history'] as const;
