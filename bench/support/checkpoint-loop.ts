import type { DurableWorkflowStore, Execution } from '../../src';
import { benchExecution, stepContext, stepEntry } from './fixtures';

/**
 * `inFlight` executions saved up front, and an operation that checkpoints worker i's execution one
 * step further: what the engine writes after each step.
 */
export async function checkpointLoop(
  store: DurableWorkflowStore,
  workflowId: string,
  inFlight: number,
): Promise<(worker: number) => Promise<void>> {
  const executions: Execution[] = [];
  for (let i = 0; i < inFlight; i++) executions.push(await store.save(benchExecution(workflowId)));
  const steps = new Array(inFlight).fill(0);
  return async (worker) => {
    const n = ++steps[worker];
    const current = executions[worker];
    const next = { ...current, ctx: stepContext(n), currentStep: `step-${n}` };
    executions[worker] = await store.checkpoint(next, [stepEntry(current, n)]);
  };
}
