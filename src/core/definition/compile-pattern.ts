import { RE2JS } from 're2js';
import type { CompiledPattern } from './definition-types';

/**
 * Compiles a `matches` pattern with RE2 semantics: matching time grows linearly with the input for
 * every pattern, so no input can make a condition backtrack for seconds. The price is that
 * backreferences and lookaround, which need backtracking, are not supported.
 */
export function compilePattern(source: string): CompiledPattern | { unsupported: string } {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    return { unsupported: (error as Error).message.replace(/^error parsing regexp: /, '') };
  }
}
