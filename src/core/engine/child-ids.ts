import { createHash } from 'node:crypto';
import type { RuntimeFrame } from '../types';

/** How deep sub-workflows may nest: a child of a child … ten levels below the execution started. */
export const MAX_SUB_WORKFLOW_DEPTH = 10;

/** Where a sub-workflow step stands: its id under the loop iterations that enclose it. */
export function childPath(frames: readonly RuntimeFrame[], stepId: string): string {
  return [
    ...frames.map((f) => (f.type === 'loop' ? `${f.stepId}[${f.index}]` : f.stepId)),
    stepId,
  ].join('/');
}

/**
 * A UUID derived from the parent execution and the path to the step (loop indexes included), so the
 * same sub-workflow step always names the same child execution.
 */
export function childExecutionId(parentId: string, path: string): string {
  const hex = createHash('sha256').update(`${parentId}/${path}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
