import { randomUUID } from 'node:crypto';
import type { Entry, EntryAction, Execution } from '../../src';

export function newExecution(overrides: Partial<Execution> = {}): Execution {
  const now = new Date();
  return {
    id: randomUUID(),
    workflowId: 'orders',
    workflowVersion: '1',
    status: 'running',
    input: { orderId: 'A-1' },
    ctx: {},
    currentStep: 'start',
    result: null,
    recoverTo: null,
    haltData: null,
    error: null,
    runtime: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function newEntry(
  execution: Pick<Execution, 'id'>,
  stepId: string,
  overrides: Partial<Entry> = {},
): Entry {
  return {
    id: randomUUID(),
    executionId: execution.id,
    stepId,
    stepType: 'assign',
    action: 'completed' as EntryAction,
    durationMs: 3,
    input: { step: stepId },
    output: { ok: true },
    error: null,
    timestamp: new Date(),
    ...overrides,
  };
}

/** Distinct creation times, oldest first, so ordering assertions don't depend on clock resolution. */
export function createdAtSeries(count: number, start = Date.now() - count * 1000): Date[] {
  return Array.from({ length: count }, (_, index) => new Date(start + index * 1000));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
