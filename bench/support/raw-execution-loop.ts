import { randomUUID } from 'node:crypto';
import type { DurableWorkflowStore, Entry, Execution } from '../../src';
import type { CheckpointOptions } from '../../src/core/store/workflow-store';
import type { Backend } from './backends';
import { nullStore } from './null-store';

/** One checkpoint as the engine asked the store for it: the execution, its entries, its options. */
interface RecordedCheckpoint {
  execution: Execution;
  entries: readonly Entry[];
  options: CheckpointOptions;
}

/**
 * The raw driver's form of a whole run: the checkpoints one run of a workflow writes (recorded from
 * the engine, on a store that keeps nothing), written again by hand for a new execution each time,
 * so the raw side does the same transactions as the engine, with the same values. An operation is
 * one execution run to its end.
 */
export async function rawExecutionLoop(
  backend: Backend,
  run: (store: DurableWorkflowStore) => Promise<unknown>,
): Promise<() => Promise<void>> {
  const recorded = await recordCheckpoints(run);
  return async () => {
    const id = randomUUID();
    const createdAt = new Date();
    let revision: number | undefined;
    for (const { execution, entries, options } of recorded) {
      await backend.rawCheckpoint(
        { ...execution, id, createdAt, updatedAt: createdAt, revision },
        entries.map((entry) => ({
          ...entry,
          id: randomUUID(),
          executionId: id,
          timestamp: new Date(),
        })),
        options,
      );
      revision = (revision ?? 0) + 1;
    }
  };
}

async function recordCheckpoints(
  run: (store: DurableWorkflowStore) => Promise<unknown>,
): Promise<RecordedCheckpoint[]> {
  const store = nullStore();
  const recorded: RecordedCheckpoint[] = [];
  const checkpoint = store.checkpoint;
  store.checkpoint = (execution, entries, options) => {
    recorded.push(structuredClone({ execution, entries, options: options ?? {} }));
    return checkpoint(execution, entries, options);
  };
  await run(store);
  return recorded;
}
