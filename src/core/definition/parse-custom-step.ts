import type { CustomStepDefinition, StepDefinition } from './definition-types';
import { STEP_TYPES } from './definition-types';
import type { FieldReader } from './field-reader';
import { PROTOTYPE_NAME, checkStepValues } from './names';
import { readOutput } from './parse-output';

/** The step types an application registered, as the parser sees them. */
export interface StepTypeCatalog {
  /** Registered names, for messages. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The type's own problems with a step's config, each naming the key; [] when it is valid. */
  problemsWith(name: string, config: Record<string, unknown>): string[];
}

/** Keys every custom step has, meaning what they mean on `call`; every other key is its config. */
export const CUSTOM_STEP_COMMON_KEYS = [
  'id',
  'type',
  'next',
  'on_error',
  'output',
  'timeout',
  'retries',
  'retry_delay',
  'retry_backoff',
] as const;

/** A step of a registered type: the common keys read here, the rest validated by the type. */
export function parseCustomStep(
  stepType: string,
  id: string | undefined,
  r: FieldReader,
  catalog: StepTypeCatalog,
): StepDefinition | undefined {
  checkStepValues(r.raw, r.where, r.problems, []);
  const common: readonly string[] = CUSTOM_STEP_COMMON_KEYS;
  const config = Object.fromEntries(Object.entries(r.raw).filter(([key]) => !common.includes(key)));
  if (Object.hasOwn(config, '__proto__')) {
    r.problems.add(r.where, `the key "__proto__" would be dropped: ${PROTOTYPE_NAME}`);
  }
  // A copy: whatever validate() does to it, the step runs with the document's keys.
  const problems = catalog.problemsWith(stepType, structuredClone(config));
  for (const problem of problems) r.problems.add(r.where, problem);
  const step: CustomStepDefinition = {
    id: id ?? '',
    type: 'custom',
    step_type: stepType,
    next: r.string('next'),
    on_error: r.string('on_error'),
    config,
    ...readOutput(r),
    timeout: r.number('timeout', { min: 0.001 }),
    retries: r.number('retries', { integer: true, min: 0, fallback: 0 }) as number,
    retry_delay: r.number('retry_delay', { min: 0, fallback: 1 }) as number,
    retry_backoff: r.number('retry_backoff', { min: 1, fallback: 2 }) as number,
  };
  return id === undefined ? undefined : step;
}

/** Names the unknown type and what is known, and how to add a type. */
export function unknownStepType(type: string, catalog: StepTypeCatalog | undefined): string {
  const custom = catalog?.names.length ? `; registered: ${catalog.names.join(', ')}` : '';
  return `unknown step type "${type}" (built in: ${STEP_TYPES.join(', ')}${custom}). An application adds a step type with @WorkflowStepType('${type}') on a provider`;
}
