import type { Execution } from '../../../core/types';
import { compareCounts, type ExecutionCount } from '../../../core/store/workflow-store';

/** What a store's `countExecutions` would say, for executions already read. */
export function countByWorkflowAndStatus(executions: readonly Execution[]): ExecutionCount[] {
  const counts = new Map<string, ExecutionCount>();
  for (const { workflowId, status } of executions) {
    const key = `${workflowId}\n${status}`;
    const count = counts.get(key);
    if (count) count.count++;
    else counts.set(key, { workflowId, status, count: 1 });
  }
  return [...counts.values()].sort(compareCounts);
}
