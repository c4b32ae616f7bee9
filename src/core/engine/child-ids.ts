import { createHash } from 'node:crypto';

/**
 * A UUID derived from the parent execution and the path to the step (loop indexes included), so the
 * same sub-workflow step always names the same child execution.
 */
export function childExecutionId(parentId: string, path: string): string {
  const hex = createHash('sha256').update(`${parentId}/${path}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
