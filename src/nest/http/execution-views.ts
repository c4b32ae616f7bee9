import type { Execution, ExecutionStatus } from '../../core/types';

/** What a list shows of an execution: no values, so a page's size does not depend on contexts. */
export interface ExecutionSummary {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  currentStep: string | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The values a list leaves out unless asked for with `?include=`. */
export const EXECUTION_VALUES = ['input', 'ctx', 'result', 'haltData'] as const;
export type ExecutionValue = (typeof EXECUTION_VALUES)[number];

/**
 * An execution as the API shows it: its public fields, never the engine's own runtime state; of
 * that only what `fork` and `retry` made of it.
 */
export type ExecutionView = ExecutionSummary &
  Pick<Execution, ExecutionValue> & {
    /** The execution this one was forked from, and the step it ran on from; null if none. */
    forkedFrom: { executionId: string; fromStep: string } | null;
    /** How many times `retry` ran it again. */
    retries: number;
  };

export function executionSummary(execution: Execution): ExecutionSummary {
  return {
    id: execution.id,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    currentStep: execution.currentStep,
    error: execution.error,
    createdAt: execution.createdAt,
    updatedAt: execution.updatedAt,
  };
}

export function executionView(execution: Execution): ExecutionView {
  return {
    ...executionSummary(execution),
    input: execution.input,
    ctx: execution.ctx,
    result: execution.result,
    haltData: execution.haltData,
    forkedFrom: execution.runtime?.forkedFrom ?? null,
    retries: execution.runtime?.retries ?? 0,
  };
}

/** A summary with the values asked for. */
export function executionWith(
  execution: Execution,
  values: readonly ExecutionValue[],
): ExecutionSummary & Partial<Pick<Execution, ExecutionValue>> {
  const shown: ExecutionSummary & Partial<Pick<Execution, ExecutionValue>> =
    executionSummary(execution);
  for (const value of values) shown[value] = execution[value] as never;
  return shown;
}
