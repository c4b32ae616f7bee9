import type { SlotRequest } from '../../core/store/workflow-store';

/** The slot statements of one database; each method is one transaction that orders its group. */
export interface SqlSlots {
  take(request: SlotRequest): Promise<boolean>;
  extend(executionId: string, holder: string, ttlMs: number): Promise<boolean>;
  release(executionId: string): Promise<string[]>;
}

/**
 * Whether the execution gets a slot: it holds a live one already, or the live slots and the
 * executions in line ahead of it leave one free. Both dialects run it with their group locked.
 */
export function slotFree(state: {
  holdsLive: boolean;
  live: number;
  ahead: number;
  limit: number;
}) {
  return state.holdsLive || state.live + state.ahead < state.limit;
}
