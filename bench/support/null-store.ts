import type { DurableWorkflowStore, Entry, Execution } from '../../src';

/**
 * Keeps executions in a Map and does nothing else: only for measuring the engine's own work per
 * step with the store taken out of the timing. Never a store to run workflows on.
 */
export function nullStore(): DurableWorkflowStore {
  const executions = new Map<string, Execution>();
  const save = async (execution: Execution) => {
    const saved = { ...execution, revision: (execution.revision ?? 0) + 1 };
    executions.set(execution.id, saved);
    return saved;
  };
  return {
    save,
    checkpoint: (execution: Execution, _entries: readonly Entry[]) => save(execution),
    load: async (id) => executions.get(id) ?? null,
    record: async (entry) => entry,
    entries: async () => [],
    find: async () => [],
    delete: async (id) => executions.delete(id),
    executionIds: async () => [...executions.keys()],
    claim: async (id) => executions.get(id) ?? null,
    extendClaim: async () => true,
    releaseClaim: async () => true,
    findClaimable: async () => [],
    countExecutions: async () => [],
    deleteFinished: async () => 0,
    takeSlot: async () => true,
    extendSlot: async () => true,
    findLapsedSlots: async () => [],
    releaseSlot: async () => [],
    acceptEvent: async (event) => ({ event, created: true }),
    eventWaitShapes: async () => [],
    eventWaiters: async () => [],
    retainedEvents: async () => [],
    pruneEvents: async () => 0,
    markEventDelivered: async () => undefined,
    undeliveredEvents: async () => [],
  };
}
