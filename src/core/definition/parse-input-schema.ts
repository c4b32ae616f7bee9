import { compileSchema, isCompiledSchema } from './compile-schema';
import type { InputSpec } from './definition-types';
import type { Problems } from './problems';

/**
 * An input's `schema` (JSON Schema), checked at start after its `type`. Compiled now, so an invalid
 * schema fails the load; a `default` must conform too.
 */
export function parseInputSchema(
  spec: Record<string, unknown>,
  input: InputSpec,
  where: string,
  problems: Problems,
): void {
  if (spec['schema'] === undefined) return;
  const compiled = compileSchema(spec['schema']);
  if (!isCompiledSchema(compiled)) {
    problems.add(where, `"schema" is not a usable JSON Schema: ${compiled.invalid}`);
    return;
  }
  input.schema = compiled;
  const violation = input.default === undefined ? null : compiled.check(input.default);
  if (violation) {
    problems.add(
      where,
      `default does not match its schema at ${violation.path}: ${violation.message}`,
    );
  }
}
