import type { Execution } from '../types';

/**
 * When a halted execution's timer fires (a `wait`'s `resume_at`, an approval's `expires_at`, or a
 * child's, copied into its parent's halt data, or a `workflow` step's `timeout_at`; the earliest), in epoch ms; null when it waits on nothing but a
 * person.
 */
export function timerDueAt(execution: Execution): number | null {
  if (execution.status !== 'halted') return null;
  let due: number | null = null;
  for (const key of ['resume_at', 'expires_at', 'timeout_at']) {
    const value = execution.haltData?.[key];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
      due = due === null ? Date.parse(value) : Math.min(due, Date.parse(value));
    }
  }
  return due;
}
