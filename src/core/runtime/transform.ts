import type { TransformOp } from '../definition/definition-types';
import { TransformError } from '../errors';
import { equal, evaluateCondition } from './conditions';
import { isPlainObject, readPath, resolveValue, type ReferenceScope } from './references';
import { sortedJson, sortedKeys } from './sorted-json';

/** Applies the ops in order. Per-item ops see the element as `item` and its position as `index`. */
export function applyTransform(value: unknown, ops: TransformOp[], scope: ReferenceScope): unknown {
  return ops.reduce((current, op) => applyOp(current, op, scope), value);
}

function applyOp(value: unknown, op: TransformOp, scope: ReferenceScope): unknown {
  // One copy of the context per op, not per item: copying it for every item made an op over n
  // items in a context of m variables cost n × m. Items are read synchronously, one at a time.
  const itemCtx: Record<string, unknown> = { ...scope.ctx };
  const itemScope: ReferenceScope = { ...scope, ctx: itemCtx };
  const withItem = (item: unknown, index: number): ReferenceScope => {
    itemCtx['item'] = item;
    itemCtx['index'] = index;
    return itemScope;
  };
  switch (op.op) {
    case 'map':
      // A bare path digs it out of each item; anything else is a template per item.
      if (typeof op.arg === 'string' && !op.arg.includes('$')) {
        return list(value, op).map((item, i) => dig(op.arg as string, item, i, withItem));
      }
      return list(value, op).map((item, i) => resolveValue(op.arg, withItem(item, i)));
    case 'select':
      return list(value, op).filter((item, i) => holds(op, item, i, withItem));
    case 'reject':
      return list(value, op).filter((item, i) => !holds(op, item, i, withItem));
    case 'pluck':
      return list(value, op).map((item, i) => dig(op.arg as string, item, i, withItem));
    // With a count, a list of that many; without, the item itself.
    case 'first': {
      const items = list(value, op);
      return typeof op.arg === 'number' ? items.slice(0, op.arg) : (items[0] ?? null);
    }
    case 'last': {
      const items = list(value, op);
      if (typeof op.arg === 'number') return op.arg === 0 ? [] : items.slice(-op.arg);
      return items[items.length - 1] ?? null;
    }
    case 'flatten':
      return list(value, op).flat(typeof op.arg === 'number' ? op.arg : 1);
    case 'compact':
      return list(value, op).filter((item) => item !== null && item !== undefined);
    case 'uniq': {
      const seen = new Set<string>();
      return list(value, op).filter((item) => {
        const key = sortedJson(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    case 'reverse':
      return [...list(value, op)].reverse();
    case 'sort':
      return sort(list(value, op), op, withItem);
    case 'count':
      return isPlainObject(value) ? Object.keys(value).length : list(value, op).length;
    case 'sum':
      return list(value, op).reduce<number>((total, item, i) => {
        const n = op.arg ? readPath(`item.${op.arg as string}`, withItem(item, i)) : item;
        if (typeof n !== 'number')
          throw new TransformError(`sum: ${JSON.stringify(n)} is not a number`);
        return total + n;
      }, 0);
    // Sorted: stores differ in the key order they give back, and a halt must not change answers.
    case 'keys':
      return sortedKeys(object(value, op));
    case 'values': {
      const source = object(value, op);
      return sortedKeys(source).map((key) => source[key]);
    }
    case 'pick':
      return Object.fromEntries(
        Object.entries(object(value, op)).filter(([key]) => (op.arg as string[]).includes(key)),
      );
    case 'omit':
      return Object.fromEntries(
        Object.entries(object(value, op)).filter(([key]) => !(op.arg as string[]).includes(key)),
      );
    case 'merge': {
      const extra = resolveValue(op.arg, scope);
      if (!isPlainObject(extra)) throw new TransformError('merge: its argument is not an object');
      return { ...object(value, op), ...extra };
    }
  }
}

type WithItem = (item: unknown, index: number) => ReferenceScope;

function dig(path: string, item: unknown, index: number, withItem: WithItem): unknown {
  return readPath(`item.${path}`, withItem(item, index)) ?? null;
}

/** A `select`/`reject` test: its condition, or every field of its map equal to its value. */
function holds(op: TransformOp, item: unknown, index: number, withItem: WithItem): boolean {
  const scope = withItem(item, index);
  if (op.condition) return evaluateCondition(op.condition, scope);
  return Object.entries(op.fields ?? {}).every(([path, expected]) =>
    equal(readPath(`item.${path}`, scope), resolveValue(expected, scope)),
  );
}

function sort(
  items: unknown[],
  op: TransformOp,
  withItem: (item: unknown, index: number) => ReferenceScope,
): unknown[] {
  const spec = op.arg as { by?: string; order?: 'asc' | 'desc' } | null;
  const key = (item: unknown, i: number) =>
    spec?.by ? readPath(`item.${spec.by}`, withItem(item, i)) : item;
  const keyed = items.map((item, i) => ({ item, key: key(item, i) }));
  const direction = spec?.order === 'desc' ? -1 : 1;
  keyed.sort((a, b) => direction * compareKeys(a.key, b.key));
  return keyed.map((entry) => entry.item);
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  return String(a).localeCompare(String(b));
}

function list(value: unknown, op: TransformOp): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TransformError(`${op.op}: expected an array, got ${describe(value)}`);
}

function object(value: unknown, op: TransformOp): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  throw new TransformError(`${op.op}: expected an object, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : typeof value;
}
