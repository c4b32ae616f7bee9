import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/** How long the server's own background rate is measured for before the work. */
const IDLE_WINDOW_MS = 3000;

/**
 * Counts the commands a Redis server processed (`INFO stats`' `total_commands_processed`): on a
 * server of the benchmark's own, every command is this run's. The INFO that reads it counts too.
 */
export class CommandCounter {
  constructor(private readonly redis: Redis) {}

  async commands(): Promise<number> {
    const info = await this.redis.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
  }

  /**
   * Commands per operation of `work`, which does `operations` of them, less what the server's
   * idle clients (workers blocked on the queue, a recovery sweep) sent over the same time.
   */
  async perOperation(operations: number, work: () => Promise<void>): Promise<number> {
    const idleStart = await this.commands();
    await sleep(IDLE_WINDOW_MS);
    const before = await this.commands();
    const idlePerMs = (before - idleStart - 1) / IDLE_WINDOW_MS;
    const began = performance.now();
    await work();
    const elapsed = performance.now() - began;
    const after = await this.commands();
    return (after - before - 1 - idlePerMs * elapsed) / operations;
  }
}
