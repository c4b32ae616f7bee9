import type { SlotRequest } from '../../core/store/workflow-store';

/** The slot statements of one database; each method is one transaction that orders its group. */
export interface SqlSlots {
  take(request: SlotRequest): Promise<boolean>;
  extend(executionId: string, holder: string, ttlMs: number): Promise<boolean>;
  /** With `handOnTtlMs`, the executions handed on are given their slot for that long. */
  release(executionId: string, handOnTtlMs?: number): Promise<string[]>;
  /** Executions whose slot (held or handed on) lapsed, the longest lapsed first. */
  lapsed(limit: number): Promise<string[]>;
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

/**
 * Matches when execution `e` waits in line for a concurrency slot and holds none: a lookup of its
 * own row, for `findClaimable` to leave it to the hand-on of a freed slot.
 */
export const IN_LINE_FOR_SLOT = `SELECT 1 FROM workflow_concurrency_slots s
  WHERE s.execution_id = e.id AND s.expires_at IS NULL`;
