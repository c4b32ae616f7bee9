import { EXACT_REFERENCE, isPlainObject } from '../runtime/references';
import { compilePattern } from './compile-pattern';
import { CONDITION_OPS, type Condition, type ConditionOp } from './definition-types';
import { FieldReader } from './field-reader';
import { pathProblem } from './names';
import { describeValue, type Problems } from './problems';

const FIELD_PATH = /^\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;

export function parseCondition(
  raw: unknown,
  where: string,
  problems: Problems,
): Condition | undefined {
  if (!isPlainObject(raw)) {
    problems.add(where, `a condition must be a map {field, op, value}, got ${describeValue(raw)}`);
    return undefined;
  }
  const reader = new FieldReader(raw, where, problems);
  reader.unknownKeys(['field', 'op', 'value']);
  const rawField = reader.string('field', true);
  if (rawField !== undefined && !FIELD_PATH.test(rawField)) {
    problems.add(
      where,
      `condition field "${rawField}" is not a path like input.amount or items.0.sku`,
    );
  }
  const fieldProblem = rawField === undefined ? null : pathProblem(rawField);
  if (fieldProblem) problems.add(where, `condition field ${fieldProblem}`);
  const op = (reader.string('op') ?? 'eq') as ConditionOp;
  if (!CONDITION_OPS.includes(op)) {
    problems.add(where, `unknown condition op "${op}" (known: ${CONDITION_OPS.join(', ')})`);
    return undefined;
  }
  if (rawField === undefined) return undefined;
  const condition: Condition = { field: rawField.replace(/^\$/, ''), op, value: raw['value'] };
  if (op === 'matches') {
    if (typeof raw['value'] !== 'string') {
      problems.add(where, `"matches" needs a regular expression string as value`);
      return undefined;
    }
    // A pattern from a reference is compiled when the step runs.
    if (EXACT_REFERENCE.test(raw['value'])) return condition;
    const compiled = compilePattern(raw['value']);
    if ('unsupported' in compiled) {
      problems.add(
        where,
        `"matches" pattern ${JSON.stringify(raw['value'])} cannot be used: ${compiled.unsupported} (patterns follow RE2 syntax, which has no backreferences and no lookaround)`,
      );
      return undefined;
    }
    condition.pattern = compiled;
  }
  return condition;
}
