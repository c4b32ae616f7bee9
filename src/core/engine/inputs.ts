import type { WorkflowDefinition } from '../definition/definition-types';
import { matchesType } from '../definition/parse-definition';
import { WorkflowValidationError } from '../errors';
import { PROTOTYPE_NAME } from '../definition/names';
import { FORBIDDEN_SEGMENTS, isPlainObject } from '../runtime/references';

/** Checks a run's input against the workflow's `inputs` and applies defaults. */
export function validateInputs(
  definition: WorkflowDefinition,
  input: unknown,
): Record<string, unknown> {
  const subject = `Input of workflow "${definition.id}" (version ${definition.version})`;
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input))
    throw new WorkflowValidationError(subject, ['the input must be a map of named values']);
  const problems = Object.keys(input)
    .filter((name) => FORBIDDEN_SEGMENTS.has(name))
    .map((name) => `input "${name}" is not accepted: ${PROTOTYPE_NAME}`);
  const values: Record<string, unknown> = { ...input };
  for (const [name, spec] of Object.entries(definition.inputs)) {
    const value = values[name];
    if (value === undefined || value === null) {
      if (spec.default !== undefined) values[name] = structuredClone(spec.default);
      else if (spec.required)
        problems.push(`input "${name}" is required (${spec.type ?? 'any type'})`);
      continue;
    }
    if (!matchesType(value, spec.type)) {
      problems.push(`input "${name}" must be of type ${spec.type}, got ${JSON.stringify(value)}`);
      continue;
    }
    const violation = spec.schema?.check(value);
    if (violation) {
      problems.push(
        `input "${name}" does not match its schema at ${violation.path}: ${violation.message}`,
      );
    }
  }
  if (problems.length) throw new WorkflowValidationError(subject, problems);
  return values;
}
