import { REFERENCE, isPlainObject } from '../runtime/references';
import type { LocatedStep, StepDefinition } from './definition-types';
import { stepLabel, type Problems } from './problems';
import { variablesSetBy } from './step-graph';

/** Keys of a step that hold no references of its own: nested steps, a compiled schema. */
const NOT_VALUES = new Set(['do', 'branches', 'output_schema']);

/**
 * A reference into an output that has a schema (`$quote.price` after `output: {key: quote,
 * schema}`) must name a property the schema lists, at each level that lists `properties` (the
 * original's schema compatibility check). A level without `properties`, or that allows other
 * names by `patternProperties` or a schema in `additionalProperties`, is not checked; an index
 * goes through `items`. A variable that other steps write too is not checked.
 */
export function checkOutputPaths(
  index: ReadonlyMap<string, LocatedStep>,
  problems: Problems,
): void {
  const schemas = new Map<string, unknown>();
  const writers = new Map<string, number>();
  for (const { step } of index.values()) {
    for (const name of variablesSetBy(step)) writers.set(name, (writers.get(name) ?? 0) + 1);
    if ((step.type === 'call' || step.type === 'custom') && step.output && step.output_schema) {
      schemas.set(step.output, step.output_schema.source);
    }
  }
  for (const name of schemas.keys()) if (writers.get(name) !== 1) schemas.delete(name);
  if (schemas.size === 0) return;
  for (const { step } of index.values()) {
    for (const path of referencePaths(step)) {
      const [root, ...rest] = path.split('.');
      if (rest.length === 0 || !schemas.has(root)) continue;
      const problem = missingProperty(schemas.get(root), rest);
      if (problem)
        problems.add(stepLabel(step.id), `$${path}: ${problem} in the output schema of "${root}"`);
    }
  }
}

function referencePaths(step: StepDefinition): Set<string> {
  const paths = new Set<string>();
  const pending: unknown[] = Object.entries(step)
    .filter(([key]) => !NOT_VALUES.has(key))
    .map(([, value]) => value);
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      for (const match of value.matchAll(REFERENCE)) paths.add(match[1]);
    } else if (Array.isArray(value)) {
      pending.push(...value);
    } else if (isPlainObject(value)) {
      pending.push(...Object.values(value));
    }
  }
  return paths;
}

function missingProperty(schema: unknown, segments: string[]): string | null {
  let node = schema;
  for (const segment of segments) {
    if (!isPlainObject(node)) return null;
    if (/^\d+$/.test(segment) && isPlainObject(node['items'])) {
      node = node['items'];
      continue;
    }
    const properties = node['properties'];
    const open =
      node['patternProperties'] !== undefined || isPlainObject(node['additionalProperties']);
    if (!isPlainObject(properties) || open) return null;
    if (!Object.hasOwn(properties, segment)) {
      return `"${segment}" is not a property (properties: ${Object.keys(properties).join(', ') || 'none'})`;
    }
    node = properties[segment];
  }
  return null;
}
