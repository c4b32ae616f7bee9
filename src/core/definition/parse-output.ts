import { isPlainObject } from '../runtime/references';
import { compileSchema, isCompiledSchema } from './compile-schema';
import type { CompiledSchema } from './definition-types';
import { FieldReader } from './field-reader';

/**
 * A step's `output`: a variable name, or `{key, schema}` (as the gem writes it), whose JSON Schema
 * is compiled now so an invalid one fails the load, naming the step. Without `key` the result is
 * checked, not stored.
 */
export function readOutput(r: FieldReader): { output?: string; output_schema?: CompiledSchema } {
  const raw = r.raw['output'];
  if (!isPlainObject(raw)) return { output: r.variable('output') };
  const where = `${r.where} output`;
  const inner = new FieldReader(raw, where, r.problems);
  inner.unknownKeys(['key', 'schema']);
  const output = inner.variable('key');
  if (raw['schema'] === undefined) {
    if (!inner.has('key')) r.problems.add(where, 'needs "key", "schema" or both');
    return { output };
  }
  const compiled = compileSchema(raw['schema']);
  if (isCompiledSchema(compiled)) return { output, output_schema: compiled };
  r.problems.add(where, `"schema" is not a usable JSON Schema: ${compiled.invalid}`);
  return { output };
}
