import Ajv, { type ErrorObject } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import { RE2JS } from 're2js';
import type { CompiledSchema, SchemaViolation } from './definition-types';

/**
 * `pattern` and `patternProperties` run on RE2 (linear time in the text), as `matches` conditions
 * do: a schema in a document can't make validation of an input backtrack for seconds.
 */
const re2: RegExpEngine = Object.assign((source: string) => RE2JS.compile(source), {
  code: 're2js',
});

/**
 * Draft-07 JSON Schema. Strict about the schema itself (an unknown keyword or format is refused, as
 * unknown keys are elsewhere), first error only (cheaper on hostile data), and schemas with `$id`
 * are not kept, so two documents may use one `$id`. No remote `$ref` is ever fetched.
 */
const ajv = new Ajv({
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allErrors: false,
  addUsedSchema: false,
  logger: false,
  code: { regExp: re2 },
});

/** Compiles a JSON Schema, or says why it can't be used. */
export function compileSchema(schema: unknown): CompiledSchema | { invalid: string } {
  if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null)) {
    return { invalid: 'a JSON Schema is a map (or true/false)' };
  }
  try {
    const validate = ajv.compile(schema);
    return {
      source: schema,
      check(value: unknown): SchemaViolation | null {
        if (validate(value)) return null;
        const [error] = validate.errors ?? [];
        return error
          ? { path: jsonPath(error), message: error.message ?? 'does not match' }
          : { path: '$', message: 'does not match' };
      },
    };
  } catch (error) {
    const message = (error as Error).message;
    const format = /^unknown format "(.*)" ignored/.exec(message);
    if (format) {
      return {
        invalid: `"format": "${format[1]}" is not checked here (no formats are); remove it, or check the value in a step`,
      };
    }
    return { invalid: message.replace(/^error parsing regexp: /, 'pattern: ') };
  }
}

export function isCompiledSchema(
  compiled: CompiledSchema | { invalid: string },
): compiled is CompiledSchema {
  return !('invalid' in compiled);
}

/** `$.lines[0].sku`, from Ajv's JSON pointer, down to the property a keyword names. */
function jsonPath(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const named = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const property = named.missingProperty ?? named.additionalProperty;
  if (typeof property === 'string') segments.push(property);
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment)
        ? `${path}[${segment}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)
          ? `${path}.${segment}`
          : `${path}[${JSON.stringify(segment)}]`,
    '$',
  );
}
