import type { Execution } from '../../src';
import type { Backend } from './backends';
import { benchExecution, stepContext, stepEntry } from './fixtures';

/**
 * The raw driver's form of `checkpointLoop`: `inFlight` executions saved up front, and an operation
 * that writes worker i's next step with the backend's hand-written statement.
 */
export async function rawCheckpointLoop(
  backend: Backend,
  workflowId: string,
  inFlight: number,
): Promise<(worker: number) => Promise<void>> {
  const executions: Execution[] = [];
  for (let i = 0; i < inFlight; i++) {
    executions.push(await backend.store.save(benchExecution(workflowId)));
  }
  const steps = new Array(inFlight).fill(0);
  return async (worker) => {
    const n = ++steps[worker];
    const current = executions[worker];
    await backend.raw(
      { ...current, ctx: stepContext(n), currentStep: `step-${n}` },
      stepEntry(current, n),
    );
  };
}
