import type { Redis } from 'ioredis';
import type { Entry, Execution } from '../../src';
import type { CheckpointOptions } from '../../src/core/store/workflow-store';
import { CHECKPOINT } from '../../src/storage/redis/redis-scripts';

/** The checkpoint's fields beside the JSON ones, in the order the store writes its documents. */
function scalars(e: Execution, updatedAt: Date) {
  return {
    id: e.id,
    workflowId: e.workflowId,
    workflowVersion: e.workflowVersion,
    status: e.status,
    currentStep: e.currentStep,
    recoverTo: e.recoverTo,
    error: e.error,
    createdAt: e.createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

const entryJson = (entry: Entry) =>
  JSON.stringify({
    id: entry.id,
    executionId: entry.executionId,
    stepId: entry.stepId,
    stepType: entry.stepType,
    action: entry.action,
    durationMs: entry.durationMs,
    error: entry.error,
    timestamp: entry.timestamp.toISOString(),
    input: entry.input ?? null,
    output: entry.output ?? null,
  });

/**
 * A run's checkpoint on Redis by hand: the store's own checkpoint script, called with EVALSHA on the
 * same keys and with the same arguments `RedisWorkflowStore.checkpoint` passes, built here straight
 * from the execution. Whole, or in parts with the variables set (`variables`, name and JSON, as
 * the other baselines write them); no lease, event wait or timer, which the bench's runs have none of.
 */
export async function redisRawCheckpoint(
  client: Redis,
  prefix: string,
  ttlSeconds: number,
): Promise<
  (
    execution: Execution,
    entries: readonly Entry[],
    options: CheckpointOptions,
    variables: [string, string][] | null,
  ) => Promise<void>
> {
  const sha = (await client.script('LOAD', CHECKPOINT)) as string;
  const routingKey = `${prefix}:all`;
  return async (e, entries, options, variables) => {
    if (
      e.status === 'halted' ||
      options.claimLeaseFor ||
      options.releaseLeaseOf !== undefined ||
      options.eventWait !== undefined
    ) {
      throw new Error('the Redis raw baseline writes no lease, event wait or timer');
    }
    const state = scalars(e, new Date());
    const result = e.result ?? null;
    const haltData = e.haltData ?? null;
    const runtime = e.runtime ?? null;
    const data =
      variables === null
        ? JSON.stringify({ ...state, input: e.input, ctx: e.ctx, result, haltData, runtime })
        : JSON.stringify({ ...state, result, haltData, runtime });
    const reply = (await client.evalsha(
      sha,
      1,
      routingKey,
      prefix,
      e.id,
      e.revision === undefined ? '' : String(e.revision),
      e.workflowId,
      e.status,
      e.createdAt.getTime(),
      data,
      ttlSeconds,
      // No lease to release, no event wait change, no timer, no lease to claim.
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      variables === null ? 'whole' : 'parts',
      entries.length,
      ...entries.map(entryJson),
      // Variables set; none removed, no loop trimmed, no loop value.
      ...(variables === null ? [] : [variables.length, ...variables.flat(), 0, 0, 0]),
    )) as [number, unknown];
    if (reply[0] !== 1) throw new Error(`raw checkpoint of ${e.id} was refused: ${reply[1]}`);
  };
}
