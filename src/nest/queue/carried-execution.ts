import type { Execution } from '../../core/types';

/**
 * Executions longer than this as JSON are not carried in a job: they are read from the store
 * instead. BullMQ keeps a job's data and return value in Redis until the job is removed (up to
 * `removeOnComplete`'s count), so a carried copy must stay small.
 */
export const CARRIED_MAX_CHARS = 4096;

/** An execution as a job carries it: JSON, its dates as ISO strings. */
export type CarriedExecution = Omit<Execution, 'createdAt' | 'updatedAt'> & {
  createdAt: string;
  updatedAt: string;
};

/** The execution as a job can carry it, or undefined when it is too large to. */
export function carry(execution: Execution): CarriedExecution | undefined {
  const carried = {
    ...execution,
    createdAt: execution.createdAt.toISOString(),
    updatedAt: execution.updatedAt.toISOString(),
  };
  return JSON.stringify(carried).length <= CARRIED_MAX_CHARS ? carried : undefined;
}

/** The execution a job carried, as the store would have returned it. */
export function uncarry(carried: CarriedExecution): Execution {
  return {
    ...carried,
    createdAt: new Date(carried.createdAt),
    updatedAt: new Date(carried.updatedAt),
  };
}

/** Statuses a job's outcome settles for good, so `wait` may take them from the job. */
const SETTLED = new Set<Execution['status']>(['completed', 'failed', 'cancelled']);

/**
 * The execution a job's return value carries once it ended settled (completed, failed or
 * cancelled); undefined when it carries none (a halt, a stale job, a large execution).
 */
export function settledIn(returnValue: unknown): Execution | undefined {
  const value: unknown = typeof returnValue === 'string' ? parseJson(returnValue) : returnValue;
  const carried = (value as { execution?: CarriedExecution } | null)?.execution;
  if (typeof carried !== 'object' || carried === null || !SETTLED.has(carried.status))
    return undefined;
  return uncarry(carried);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
