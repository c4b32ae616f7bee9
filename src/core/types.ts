export type ExecutionStatus =
  'pending' | 'running' | 'completed' | 'halted' | 'failed' | 'cancelled';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'pending',
  'running',
  'completed',
  'halted',
  'failed',
  'cancelled',
];

export interface Execution {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: ExecutionStatus;
  input: Record<string, unknown>;
  ctx: Record<string, unknown>;
  currentStep: string | null;
  result: unknown;
  recoverTo: string | null;
  haltData: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Optimistic-concurrency counter kept by the store: every successful save returns the execution with
   * `revision` one higher. Leave it out for an execution that was never saved; a save from a copy whose
   * revision is stale fails with `ConcurrentUpdateError`.
   */
  revision?: number;
}

export type EntryAction = 'started' | 'completed' | 'failed' | 'halted';

export const ENTRY_ACTIONS: readonly EntryAction[] = ['started', 'completed', 'failed', 'halted'];

export interface Entry {
  id: string;
  executionId: string;
  stepId: string;
  stepType: string;
  action: EntryAction;
  durationMs: number | null;
  input: unknown;
  output: unknown;
  error: string | null;
  timestamp: Date;
}
