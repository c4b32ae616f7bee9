import { randomBytes } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { RedisWorkflowStore, type Entry, type Execution } from '../../src';
import { REDIS_URL } from './env';
import { newEntry } from './fixtures';
import type { BrokenAppend, StoreHarness } from './store-harness';

export interface RedisHarnessOptions {
  name?: string;
  /** Makes the client, on first use: a cluster's only once it has started. */
  connect?: () => Redis | Cluster;
  /** Wraps the generated prefix in a hash tag, as Redis Cluster needs. */
  hashTag?: boolean;
}

/** A Redis store under its own key prefix, deleted afterwards. */
export class RedisHarness implements StoreHarness {
  readonly name: string;
  readonly prefix: string;
  private readonly connect: () => Redis | Cluster;
  private connected?: Redis | Cluster;
  private store?: RedisWorkflowStore;

  constructor(options: RedisHarnessOptions = {}) {
    this.name = options.name ?? 'redis';
    const unique = `dw-test:${randomBytes(5).toString('hex')}`;
    this.prefix = options.hashTag ? `{${unique}}` : unique;
    this.connect = options.connect ?? (() => new Redis(REDIS_URL));
  }

  get client(): Redis | Cluster {
    this.connected ??= this.connect();
    return this.connected;
  }

  async open(options: { ttlSeconds?: number } = {}): Promise<RedisWorkflowStore> {
    this.store = new RedisWorkflowStore({ client: this.client, prefix: this.prefix, ...options });
    return this.store;
  }

  async close(): Promise<void> {
    await this.store?.close();
    if (!this.connected) return;
    const keys = await this.keys();
    if (keys.length) await this.client.del(...keys);
    await this.client.quit();
  }

  /** Every key under the prefix, from every primary of a cluster. */
  async keys(): Promise<string[]> {
    const client = this.client;
    const servers = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
    const keys: string[] = [];
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, batch] = await server.scan(cursor, 'MATCH', `${this.glob()}:*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
    return keys;
  }

  /** The prefix as a SCAN pattern, with anything a pattern could read as a wildcard escaped. */
  private glob(): string {
    return this.prefix.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`);
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
