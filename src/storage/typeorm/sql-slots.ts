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
 * The executions `findClaimable` walks for pending and running ones: those not waiting in line for a
 * concurrency slot (`in_line_for_slot`, set and cleared by the slot statements in the transaction
 * that puts them in line or gives them a slot). It is the predicate of the partial index
 * `idx_workflow_executions_claimable` word for word: SQLite uses a partial index only for a query
 * that repeats its terms, so executions in line are never read, however many wait.
 */
export const CLAIMABLE_OUT_OF_LINE = `status IN ('pending', 'running') AND NOT in_line_for_slot`;

/**
 * Sets `in_line_for_slot` to `inLine` on the executions whose id is `idIs` (`$1`, `?`). A row that
 * holds the value already is not written, so a take that changes nothing adds no row version.
 */
export const markInLine = (inLine: boolean, idIs: string) =>
  `UPDATE workflow_executions SET in_line_for_slot = ${String(inLine)}
   WHERE id = ${idIs} AND in_line_for_slot = ${String(!inLine)}`;
