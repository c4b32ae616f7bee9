import { createHash } from 'node:crypto';
import type { WorkflowDefinition } from '../definition/definition-types';
import { resolveValue, stringForm } from '../runtime/references';
import type { Execution } from '../types';

/** Longer key values are kept as their digest: stores index keys of bounded length. */
const MAX_KEY_LENGTH = 200;

/**
 * The value of the workflow's `concurrency.key` for an execution: resolved against its input, which
 * never changes, so every process and every retry finds the same key. '' when there is no key.
 */
export function concurrencyKey(definition: WorkflowDefinition, execution: Execution): string {
  const key = definition.concurrency?.key;
  if (key === undefined) return '';
  const value = stringForm(
    resolveValue(key, {
      input: execution.input,
      ctx: execution.input,
      now: () => execution.createdAt.toISOString(),
      response: null,
      approved: null,
    }),
  );
  if (value.length <= MAX_KEY_LENGTH) return value;
  return `sha256:${createHash('sha256').update(value).digest('hex')}`;
}
