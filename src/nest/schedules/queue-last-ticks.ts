import type { LastTicks } from './last-ticks';
import type { WorkflowBullQueue } from '../queue/workflow-job-queue';

const SET_IF_LATER = 'durableWorkflowSetLastTick';
/** KEYS: the hash. ARGV: workflow id, "<tick ISO> <execution id>". Keeps the later tick's. */
const SET_IF_LATER_LUA = `
local kept = redis.call('HGET', KEYS[1], ARGV[1])
if kept and kept >= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * In queue mode: a tick is one job, taken by any worker, so the latest tick's execution is kept
 * where every process reads it, in a hash beside the queue's own keys.
 */
export class QueueLastTicks implements LastTicks {
  private readonly key: string;
  /** The clients the script is defined on (a backend may make a new one). */
  private readonly defined = new WeakSet<object>();

  constructor(private readonly queue: WorkflowBullQueue) {
    // A job id has no ':', so no job's key is this one.
    this.key = queue.toKey('schedules:last-tick');
  }

  async get(workflowId: string): Promise<string | undefined> {
    const client = await this.queue.getBackend().client;
    const kept = await client.hget(this.key, workflowId);
    return kept?.split(' ')[1];
  }

  async set(workflowId: string, tick: Date, executionId: string): Promise<void> {
    const client = await this.queue.getBackend().client;
    if (!this.defined.has(client)) {
      client.defineCommand(SET_IF_LATER, { numberOfKeys: 1, lua: SET_IF_LATER_LUA });
      this.defined.add(client);
    }
    // ISO times of one length sort as they follow each other.
    await client.runCommand(SET_IF_LATER, [
      this.key,
      workflowId,
      `${tick.toISOString()} ${executionId}`,
    ]);
  }
}
