import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisWorkflowStore, type Entry, type Execution } from '../../src';
import { REDIS_URL } from './env';
import { newEntry } from './fixtures';
import type { BrokenAppend, StoreHarness } from './store-harness';

/** A Redis store under its own key prefix, deleted afterwards. */
export class RedisHarness implements StoreHarness {
  readonly name = 'redis';
  readonly prefix = `dw-test:${randomBytes(5).toString('hex')}`;
  readonly client = new Redis(REDIS_URL);
  private store?: RedisWorkflowStore;

  async open(options: { ttlSeconds?: number } = {}): Promise<RedisWorkflowStore> {
    this.store = new RedisWorkflowStore({ client: this.client, prefix: this.prefix, ...options });
    return this.store;
  }

  async close(): Promise<void> {
    await this.store?.close();
    const keys = await this.keys();
    if (keys.length) await this.client.del(...keys);
    await this.client.quit();
  }

  async keys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(
        cursor,
        'MATCH',
        `${this.prefix}:*`,
        'COUNT',
        1000,
      );
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  /** A string where the entries list should be makes RPUSH fail; the script must check first. */
  async breakSecondHalf(execution: Execution, _existing: Entry): Promise<BrokenAppend> {
    const entriesKey = `${this.prefix}:entries:${execution.id}`;
    const backup = await this.client.lrange(entriesKey, 0, -1);
    await this.client.del(entriesKey);
    await this.client.set(entriesKey, 'not a list');
    return {
      entries: [newEntry(execution, 'fresh')],
      repair: async () => {
        await this.client.del(entriesKey);
        if (backup.length) await this.client.rpush(entriesKey, ...backup);
      },
    };
  }

  async corrupt(executionId: string): Promise<void> {
    await this.client.hset(`${this.prefix}:exec:${executionId}`, 'data', '{not json');
  }
}
