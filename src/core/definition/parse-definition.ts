import { WorkflowValidationError } from '../errors';
import { BUILT_IN_NAMES, isPlainObject } from '../runtime/references';
import { checkSequence } from './check-flow';
import type {
  InputSpec,
  InputType,
  LocatedStep,
  ParallelStep,
  LoopStep,
  StepDefinition,
  WorkflowDefinition,
} from './definition-types';
import { documentLimits, overLimit, type DocumentLimits } from './document-limits';
import { FieldReader } from './field-reader';
import { measureDocument } from './measure-document';
import { PROTOTYPE_NAME, variableNameProblem } from './names';
import { checkInputReferences } from './input-references';
import { parseSequence } from './parse-step';
import type { StepTypeCatalog } from './parse-custom-step';
import { parseInputSchema } from './parse-input-schema';
import { checkOutputPaths } from './check-output-paths';
import { describeValue, Problems, stepLabel } from './problems';
import { childSequences } from './step-graph';

/** `$history` in a value, or `history` as a condition's field or a transform's input. */
const HISTORY_REFERENCE = /\$history\b|"(?:field|input)":"\$?history\b/;
const WORKFLOW_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const TOP_KEYS = ['id', 'name', 'version', 'description', 'timeout', 'inputs', 'steps'];
const INPUT_TYPES: InputType[] = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

/** Says whether a `call` step's service and method may be called; null when they may. */
export interface ServiceCatalog {
  problemWith(service: string, method: string): string | null;
}

/** Validates a parsed document and builds the definition; every problem is reported at once. */
export function parseDefinition(
  raw: unknown,
  catalog?: ServiceCatalog,
  limits: DocumentLimits = documentLimits(),
  stepTypes?: StepTypeCatalog,
): WorkflowDefinition {
  const problems = new Problems();
  if (!isPlainObject(raw)) {
    throw new WorkflowValidationError('Workflow document', [
      `the document must be a map with id, name and steps, got ${describeValue(raw)}`,
    ]);
  }
  const where = typeof raw['id'] === 'string' ? `workflow "${raw['id']}"` : 'workflow';
  const subject = `Workflow "${typeof raw['id'] === 'string' ? raw['id'] : '?'}"`;
  measureDocument(raw, where, limits, problems);
  if (!problems.empty) throw new WorkflowValidationError(subject, problems.list);
  const top = new FieldReader(raw, where, problems);
  top.unknownKeys(TOP_KEYS);
  const id = top.string('id', true) ?? '';
  if (id && !WORKFLOW_ID.test(id))
    problems.add(where, `id "${id}" must match [A-Za-z0-9_.-]{1,100}`);
  const name = top.string('name', true) ?? '';
  const version = readVersion(raw['version'], where, problems);
  const description = top.string('description');
  const timeout = top.number('timeout', { integer: true, min: 1 });
  const inputs = parseInputs(top.map('inputs') ?? {}, problems);
  const steps = parseSequence(raw['steps'], 'steps', problems, stepTypes);
  const index = indexSteps(steps, problems);

  const known = new Set<string>([...Object.keys(inputs), ...BUILT_IN_NAMES]);
  checkSequence(steps, false, (name) => known.has(name), problems);
  checkOutputPaths(index, problems);
  if (Object.keys(inputs).length > 0) checkInputReferences(index, inputs, problems);
  for (const { step } of index.values()) {
    if (step.type === 'loop' && step.max > limits.maxLoopIterations) {
      problems.add(
        stepLabel(step.id),
        `"max" is ${overLimit(step.max, 'iterations', 'maxLoopIterations', limits)}`,
      );
    }
    if (step.type === 'call' && catalog && step.service && step.method) {
      const problem = catalog.problemWith(step.service, step.method);
      if (problem) problems.add(stepLabel(step.id), problem);
    }
    if (
      step.type === 'wait' &&
      step.until &&
      !step.until.startsWith('$') &&
      Number.isNaN(Date.parse(step.until))
    ) {
      problems.add(
        stepLabel(step.id),
        `"until" must be an ISO-8601 time or a reference, got "${step.until}"`,
      );
    }
  }

  if (!problems.empty) throw new WorkflowValidationError(`Workflow "${id || '?'}"`, problems.list);
  const readsHistory = HISTORY_REFERENCE.test(JSON.stringify(raw['steps']));
  return { id, name, version, description, timeout, inputs, steps, index, readsHistory };
}

function readVersion(value: unknown, where: string, problems: Problems): string {
  if (value === undefined) return '1';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= 50) return value;
  problems.add(where, `"version" must be a short string such as "2", got ${describeValue(value)}`);
  return '1';
}

function parseInputs(raw: Record<string, unknown>, problems: Problems): Record<string, InputSpec> {
  const inputs: Record<string, InputSpec> = {};
  for (const [name, declared] of Object.entries(raw)) {
    let spec = declared;
    const where = `input "${name}"`;
    const problem = variableNameProblem(name);
    if (problem === 'prototype') {
      problems.add(where, `cannot be an input name: ${PROTOTYPE_NAME}`);
      continue;
    }
    if (problem) {
      problems.add(where, 'an input name must be a variable name that is not built in');
      continue;
    }
    // `name:` with nothing after it declares an input of any type, as in the original format.
    if (spec === null) spec = {};
    if (!isPlainObject(spec)) {
      problems.add(
        where,
        `must be a map {type, required, default, description}, got ${describeValue(spec)}`,
      );
      continue;
    }
    const reader = new FieldReader(spec, where, problems);
    reader.unknownKeys(['type', 'required', 'default', 'description', 'schema']);
    const type = reader.string('type') as InputType | undefined;
    if (type !== undefined && !INPUT_TYPES.includes(type)) {
      problems.add(where, `unknown type "${type}" (known: ${INPUT_TYPES.join(', ')})`);
      continue;
    }
    const required = spec['required'] ?? true;
    if (typeof required !== 'boolean') problems.add(where, '"required" must be true or false');
    if (type === undefined && reader.has('type')) continue;
    const input: InputSpec = {
      type,
      required: required !== false,
      description: reader.string('description'),
    };
    if (spec['default'] !== undefined) {
      input.default = spec['default'];
      if (type !== undefined && !matchesType(spec['default'], type))
        problems.add(where, `default ${describeValue(spec['default'])} is not of type ${type}`);
    }
    if (type === undefined) delete input.type;
    parseInputSchema(spec, input, where, problems);
    inputs[name] = input;
  }
  return inputs;
}

/** Whether `value` is of `type`; an input declared without a type takes any value. */
export function matchesType(value: unknown, type: InputType | undefined): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}

function indexSteps(steps: StepDefinition[], problems: Problems): Map<string, LocatedStep> {
  const index = new Map<string, LocatedStep>();
  const visit = (sequence: StepDefinition[], owner: LoopStep | ParallelStep | null) => {
    sequence.forEach((step, position) => {
      if (index.has(step.id)) {
        problems.add(
          stepLabel(step.id),
          'the id is used by more than one step (ids are unique across nested bodies too)',
        );
      } else {
        index.set(step.id, { step, sequence, position, owner });
      }
      for (const child of childSequences(step)) visit(child, step as LoopStep | ParallelStep);
    });
  };
  visit(steps, null);
  return index;
}
