import { isPlainObject } from '../runtime/references';
import { TRANSFORM_OPS, type TransformOp, type TransformOpName } from './definition-types';
import { pathProblem } from './names';
import { parseCondition } from './parse-condition';
import { describeValue, type Problems } from './problems';

const ARGUMENT_FREE = new Set<TransformOpName>([
  'compact',
  'uniq',
  'reverse',
  'count',
  'keys',
  'values',
]);

/** Ops are `name` (no argument) or `{name: argument}`, applied in order. */
export function parseTransformOps(
  raw: unknown[],
  where: string,
  problems: Problems,
): TransformOp[] {
  const ops: TransformOp[] = [];
  raw.forEach((item, index) => {
    const at = `${where} expression[${index}]`;
    const [name, arg] =
      typeof item === 'string'
        ? [item, null]
        : isPlainObject(item) && Object.keys(item).length === 1
          ? Object.entries(item)[0]
          : [undefined, undefined];
    if (name === undefined) {
      problems.add(
        at,
        `an op is a name or a one-key map {op: argument}, got ${describeValue(item)}`,
      );
      return;
    }
    if (!(TRANSFORM_OPS as readonly string[]).includes(name)) {
      problems.add(at, `unknown transform op "${name}" (known: ${TRANSFORM_OPS.join(', ')})`);
      return;
    }
    const op = parseOp(name as TransformOpName, arg, at, problems);
    if (op) ops.push(op);
  });
  return ops;
}

function parseOp(
  op: TransformOpName,
  arg: unknown,
  at: string,
  problems: Problems,
): TransformOp | undefined {
  const bad = (expected: string) => {
    problems.add(at, `"${op}" takes ${expected}, got ${describeValue(arg)}`);
    return undefined;
  };
  if (ARGUMENT_FREE.has(op)) return arg === null ? { op, arg } : bad('no argument');
  switch (op) {
    case 'map':
      if (arg === null) return bad('a path such as sku, or a template such as {sku: $item.sku}');
      return typeof arg === 'string' && !arg.includes('$')
        ? itemPath(op, arg, arg, at, problems)
        : { op, arg };
    case 'select':
    case 'reject': {
      if (!isPlainObject(arg) || Object.keys(arg).length === 0) {
        return bad('a condition {field, op, value} or a map of field values');
      }
      if (
        typeof arg['field'] === 'string' &&
        Object.keys(arg).every((k) => CONDITION_KEYS.has(k))
      ) {
        const condition = parseCondition(arg, at, problems);
        return condition && { op, arg, condition };
      }
      const fieldProblems = Object.keys(arg).flatMap((path) => pathProblem(path) ?? []);
      fieldProblems.forEach((problem) => problems.add(at, `"${op}" field ${problem}`));
      return fieldProblems.length ? undefined : { op, arg, fields: arg };
    }
    case 'first':
    case 'last':
      return arg === null || isCount(arg, 0) ? { op, arg } : bad('nothing or a count');
    case 'flatten':
      return arg === null || isCount(arg, 1) ? { op, arg } : bad('nothing or a depth ≥ 1');
    case 'pluck':
      return typeof arg === 'string' ? itemPath(op, arg, arg, at, problems) : bad('a path');
    case 'sum':
      if (arg === null) return { op, arg };
      return typeof arg === 'string'
        ? itemPath(op, arg, arg, at, problems)
        : bad('nothing or a path');
    case 'sort':
      if (arg === null) return { op, arg };
      if (typeof arg === 'string') {
        return itemPath(op, { by: arg, order: 'asc' }, arg, at, problems);
      }
      if (
        isPlainObject(arg) &&
        (arg['by'] === undefined || typeof arg['by'] === 'string') &&
        (arg['order'] === undefined || ['asc', 'desc'].includes(arg['order'] as string))
      ) {
        return typeof arg['by'] === 'string'
          ? itemPath(op, arg, arg['by'], at, problems)
          : { op, arg };
      }
      return bad('nothing, a path, or {by, order: asc|desc}');
    case 'pick':
    case 'omit':
      return Array.isArray(arg) && arg.every((k) => typeof k === 'string')
        ? { op, arg }
        : bad('a list of keys');
    case 'merge':
      return arg === null ? bad('a map or a reference to one') : { op, arg };
    default:
      return bad('an argument');
  }
}

const CONDITION_KEYS = new Set(['field', 'op', 'value']);

function isCount(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** An op whose argument names a path inside each item; refused when the path walks a prototype. */
function itemPath(
  op: TransformOpName,
  arg: unknown,
  path: string,
  at: string,
  problems: Problems,
): TransformOp | undefined {
  const problem = pathProblem(path);
  if (!problem) return { op, arg };
  problems.add(at, `"${op}" ${problem}`);
  return undefined;
}
