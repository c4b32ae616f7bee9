import { FORBIDDEN_SEGMENTS, isPlainObject } from '../runtime/references';
import {
  FINISHED,
  STEP_TYPES,
  type Condition,
  type StepDefinition,
  type StepType,
} from './definition-types';
import { FieldReader } from './field-reader';
import { PROTOTYPE_NAME, checkStepValues, pathProblem, variableNameProblem } from './names';
import { parseCondition } from './parse-condition';
import { parseCustomStep, unknownStepType, type StepTypeCatalog } from './parse-custom-step';
import { readOutput } from './parse-output';
import { parseEventStep } from './parse-event-step';
import { parseTransformOps } from './parse-transform';
import { describeValue, stepLabel, type Problems } from './problems';

const STEP_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const TRANSFORM_INPUT = /^\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;
const COMMON_KEYS = ['id', 'type', 'next', 'on_error'];
const TYPE_KEYS: Record<StepType, string[]> = {
  start: ['validate_input'],
  end: ['result'],
  assign: ['set'],
  call: [
    'service',
    'method',
    'input',
    'output',
    'timeout',
    'retries',
    'retry_delay',
    'retry_backoff',
  ],
  router: ['routes', 'default'],
  loop: ['over', 'as', 'index_as', 'while', 'do', 'output', 'max', 'on_exhausted'],
  parallel: ['branches', 'wait', 'output'],
  transform: ['input', 'expression', 'output'],
  halt: ['reason', 'data', 'resume_step'],
  approval: ['prompt', 'context', 'approvers', 'on_reject', 'timeout', 'on_timeout'],
  workflow: ['workflow_id', 'input', 'output', 'timeout'],
  wait: ['seconds', 'until'],
  event: ['name', 'match', 'timeout', 'on_timeout', 'output', 'lookback'],
};
/** Steps whose successor is chosen otherwise, or that have none (an `end` may say `__FINISHED__`). */
const NO_NEXT: StepType[] = ['router'];
/** Variables a resume sets that `assign` may set too, as the original format allows. */
const ASSIGNABLE_BUILT_INS = new Set(['approved', 'response']);

/** Parses a list of steps (the top level, a loop body or a parallel branch). */
export function parseSequence(
  raw: unknown,
  where: string,
  problems: Problems,
  stepTypes?: StepTypeCatalog,
): StepDefinition[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add(where, `must be a non-empty list of steps, got ${describeValue(raw)}`);
    return [];
  }
  return raw.flatMap((item, index) => {
    const step = parseStep(item, `${where}[${index}]`, problems, stepTypes);
    return step ? [step] : [];
  });
}

function parseStep(
  raw: unknown,
  where: string,
  problems: Problems,
  stepTypes?: StepTypeCatalog,
): StepDefinition | undefined {
  if (!isPlainObject(raw)) {
    problems.add(where, `a step must be a map, got ${describeValue(raw)}`);
    return undefined;
  }
  const anonymous = new FieldReader(raw, where, problems);
  const id = anonymous.string('id', true);
  if (id !== undefined && !STEP_ID.test(id)) {
    problems.add(where, `step id "${id}" must match [A-Za-z0-9_.-]{1,100}`);
  } else if (id !== undefined && FORBIDDEN_SEGMENTS.has(id)) {
    problems.add(where, `step id "${id}" is refused: ${PROTOTYPE_NAME}`);
  }
  const label = id ? stepLabel(id) : where;
  const reader = new FieldReader(raw, label, problems);
  const type = reader.string('type', true) as StepType | undefined;
  if (type === undefined) return undefined;
  if (!STEP_TYPES.includes(type)) {
    if (stepTypes?.has(type)) return parseCustomStep(type, id, reader, stepTypes);
    problems.add(label, unknownStepType(type, stepTypes));
    return undefined;
  }
  const allowed = [...COMMON_KEYS, ...TYPE_KEYS[type]].filter(
    (key) => !(key === 'next' && NO_NEXT.includes(type)),
  );
  reader.unknownKeys(allowed);
  checkStepValues(raw, label, problems, type === 'assign' ? ['set'] : []);
  if (type === 'end' && raw['next'] !== undefined && raw['next'] !== FINISHED) {
    problems.add(
      label,
      `an end step's "next" may only be ${FINISHED}, got ${describeValue(raw['next'])}`,
    );
  }
  const base = {
    id: id ?? '',
    next: reader.string('next'),
    on_error: reader.string('on_error'),
  };
  const step = parseTyped(type, reader, base, problems, stepTypes);
  return id === undefined ? undefined : step;
}

type Base = { id: string; next?: string; on_error?: string };

function parseTyped(
  type: StepType,
  r: FieldReader,
  base: Base,
  problems: Problems,
  stepTypes?: StepTypeCatalog,
): StepDefinition | undefined {
  switch (type) {
    case 'start':
      if (r.has('validate_input') && typeof r.raw['validate_input'] !== 'boolean') {
        problems.add(r.where, '"validate_input" must be true or false');
      }
      return { ...base, type };
    case 'end':
      return { ...base, type, result: r.raw['result'] };
    case 'assign': {
      const set = r.map('set', true) ?? {};
      for (const key of Object.keys(set)) {
        const problem = ASSIGNABLE_BUILT_INS.has(key) ? null : variableNameProblem(key);
        if (problem === 'prototype') {
          problems.add(r.where, `"set" key "${key}" cannot be assigned: ${PROTOTYPE_NAME}`);
        } else if (problem) {
          problems.add(r.where, `"set" key "${key}" is not a variable name that can be assigned`);
        }
      }
      return { ...base, type, set };
    }
    case 'call':
      return {
        ...base,
        type,
        service: r.string('service', true) ?? '',
        method: r.string('method', true) ?? '',
        input: r.raw['input'],
        ...readOutput(r),
        timeout: r.number('timeout', { min: 0.001 }),
        retries: r.number('retries', { integer: true, min: 0, fallback: 0 }) as number,
        retry_delay: r.number('retry_delay', { min: 0, fallback: 1 }) as number,
        retry_backoff: r.number('retry_backoff', { min: 1, fallback: 2 }) as number,
      };
    case 'router': {
      const routes = (r.list('routes', true) ?? []).flatMap((route, index) => {
        const at = `${r.where} routes[${index}]`;
        if (!isPlainObject(route)) {
          problems.add(at, `a route is a map {when, then}, got ${describeValue(route)}`);
          return [];
        }
        const routeReader = new FieldReader(route, at, problems);
        routeReader.unknownKeys(['when', 'then']);
        const when = parseCondition(route['when'], `${at} when`, problems);
        const then = routeReader.string('then', true);
        return when && then ? [{ when, then }] : [];
      });
      return { ...base, type, routes, default: r.string('default') };
    }
    case 'loop': {
      const over = r.raw['over'];
      const whileCondition: Condition | undefined = r.has('while')
        ? parseCondition(r.raw['while'], `${r.where} while`, problems)
        : undefined;
      if ((over === undefined) === !r.has('while')) {
        problems.add(r.where, 'a loop needs exactly one of "over" or "while"');
      }
      if (over !== undefined && !(typeof over === 'string' || Array.isArray(over))) {
        problems.add(r.where, `"over" must be a reference such as $items, or a list`);
      }
      return {
        ...base,
        type,
        over,
        while: whileCondition,
        as: r.variable('as', false, 'item') as string,
        index_as: r.variable('index_as', false, 'index') as string,
        do: parseSequence(r.raw['do'], `${r.where} do`, problems, stepTypes),
        output: r.variable('output'),
        max: r.number('max', { integer: true, min: 1, fallback: 100 }) as number,
        on_exhausted: r.string('on_exhausted'),
      };
    }
    case 'parallel': {
      // No branches is allowed, as in the original format: the step continues at once.
      const branches = (r.list('branches') ?? []).map((branch, index) =>
        parseSequence(
          Array.isArray(branch) ? branch : [branch],
          `${r.where} branches[${index}]`,
          problems,
          stepTypes,
        ),
      );
      const wait = r.raw['wait'] ?? 'all';
      const validWait =
        wait === 'all' ||
        wait === 'any' ||
        (typeof wait === 'number' &&
          Number.isInteger(wait) &&
          wait >= 1 &&
          wait <= Math.max(1, branches.length));
      if (!validWait) {
        problems.add(
          r.where,
          `"wait" must be all, any, or a count from 1 to ${branches.length}, got ${describeValue(wait)}`,
        );
      }
      return {
        ...base,
        type,
        branches,
        wait: validWait ? (wait as 'all') : 'all',
        output: r.variable('output'),
      };
    }
    case 'transform': {
      const input = r.string('input');
      if (input && !TRANSFORM_INPUT.test(input)) {
        problems.add(r.where, `"input" must be a path such as $order.lines, got "${input}"`);
      }
      const inputProblem = input === undefined ? null : pathProblem(input);
      if (inputProblem) problems.add(r.where, `"input" ${inputProblem}`);
      return {
        ...base,
        type,
        input: input?.replace(/^\$/, ''),
        expression: parseTransformOps(expressionOps(r), r.where, problems),
        output: r.variable('output'),
      };
    }
    case 'halt':
      return {
        ...base,
        type,
        reason: r.string('reason'),
        data: r.map('data'),
        resume_step: r.string('resume_step'),
      };
    case 'approval':
      if (r.has('on_timeout') && !r.has('timeout')) {
        problems.add(r.where, '"on_timeout" needs a "timeout"');
      }
      return {
        ...base,
        type,
        prompt: r.string('prompt'),
        context: r.raw['context'],
        approvers: r.raw['approvers'],
        on_reject: r.string('on_reject'),
        timeout: r.number('timeout', { min: 1 }),
        on_timeout: r.string('on_timeout'),
      };
    case 'workflow':
      return {
        ...base,
        type,
        workflow_id: r.string('workflow_id', true) ?? '',
        input: r.raw['input'],
        output: r.variable('output'),
        timeout: r.number('timeout', { min: 0.001 }),
      };
    case 'wait':
      if (r.has('seconds') === r.has('until')) {
        problems.add(r.where, 'a wait needs exactly one of "seconds" or "until"');
      }
      return { ...base, type, seconds: r.number('seconds', { min: 0 }), until: r.string('until') };
    case 'event':
      return parseEventStep(r, base, problems);
  }
}

/**
 * A transform's ops: a list of `name` or `{name: argument}`, or, as the original format writes them,
 * one map applied in key order (`{select: {active: true}, pluck: name}`).
 */
function expressionOps(r: FieldReader): unknown[] {
  const raw = r.raw['expression'];
  if (isPlainObject(raw)) {
    return Object.entries(raw).map(([op, arg]) => (arg === null ? op : { [op]: arg }));
  }
  return r.list('expression', true) ?? [];
}
