import type { Execution } from '../types';

/**
 * When a halted execution's timer fires (a `wait`'s `resume_at`, an approval's `expires_at`, or a
 * child's, copied into its parent's halt data), in epoch ms; null when it waits on nothing but a
 * person.
 */
export function timerDueAt(execution: Execution): number | null {
  if (execution.status !== 'halted') return null;
  for (const key of ['resume_at', 'expires_at']) {
    const value = execution.haltData?.[key];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  }
  return null;
}
