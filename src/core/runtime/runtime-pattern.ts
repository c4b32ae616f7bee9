import { compilePattern } from '../definition/compile-pattern';
import type { CompiledPattern, Condition } from '../definition/definition-types';
import { InvalidPatternError } from '../errors';

/** The longest pattern a reference may supply; a longer one fails the step. */
export const RUNTIME_PATTERN_LIMIT = 1_000;
const CACHE_SIZE = 100;
const cache = new Map<string, CompiledPattern>();

/**
 * A `matches` pattern that came from a reference, compiled now with the same RE2 semantics as the
 * patterns compiled at load (linear time, no backreferences or lookaround). The last patterns used
 * are kept, so a loop does not compile the same one for every item.
 */
export function patternAtRunTime(condition: Condition, source: unknown): CompiledPattern {
  if (typeof source !== 'string') {
    throw new InvalidPatternError(condition.field, source, 'the reference does not hold a string');
  }
  const cached = cache.get(source);
  if (cached) return cached;
  if (source.length > RUNTIME_PATTERN_LIMIT) {
    throw new InvalidPatternError(
      condition.field,
      source,
      `it has ${source.length} characters, more than the limit of ${RUNTIME_PATTERN_LIMIT}`,
    );
  }
  const compiled = compilePattern(source);
  if ('unsupported' in compiled) {
    throw new InvalidPatternError(
      condition.field,
      source,
      `${compiled.unsupported} (patterns follow RE2 syntax, which has no backreferences and no lookaround)`,
    );
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}
