import { randomUUID } from 'node:crypto';
import type { Entry, Execution } from '../../src';

export function benchExecution(workflowId: string): Execution {
  const now = new Date();
  return {
    id: randomUUID(),
    workflowId,
    workflowVersion: '1',
    status: 'running',
    input: { orderId: 'A-1001' },
    ctx: {},
    currentStep: 'step-0',
    result: null,
    recoverTo: null,
    haltData: null,
    error: null,
    runtime: { frames: [], response: null, approved: null },
    createdAt: now,
    updatedAt: now,
  };
}

/** The context after step n: it grows a little with each step, as a real workflow's does. */
export function stepContext(n: number): Record<string, unknown> {
  return {
    step: n,
    order: {
      id: 'A-1001',
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
        { sku: 'c', qty: 3 },
      ],
    },
    total: 42.5,
  };
}

export function stepEntry(execution: Execution, n: number): Entry {
  return {
    id: randomUUID(),
    executionId: execution.id,
    stepId: `step-${n}`,
    stepType: 'assign',
    action: 'completed',
    durationMs: 1,
    input: { step: n },
    output: { ok: true, step: n },
    error: null,
    timestamp: new Date(),
  };
}
