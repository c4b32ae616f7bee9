import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisWorkflowStore, StoreError } from '../../src';
import { newExecution } from '../support/fixtures';
import { ScratchRedisCluster } from '../support/redis-cluster';
import { RedisHarness } from '../support/redis-harness';
import { describeStoreContract } from '../support/store-contract';

describe('Redis store on Redis Cluster', () => {
  const cluster = new ScratchRedisCluster();
  beforeAll(() => cluster.start(), 30_000);
  afterAll(() => cluster.dispose());

  describeStoreContract(
    new RedisHarness({ name: 'redis cluster', connect: () => cluster.client(), hashTag: true }),
  );

  it('keeps every key of the store on the node that owns the prefix slot', async () => {
    const harness = new RedisHarness({ connect: () => cluster.client(), hashTag: true });
    try {
      const store = await harness.open();
      for (let i = 0; i < 20; i++) {
        await store.save(newExecution({ workflowId: `spread-${i}`, status: 'halted' }));
      }
      // Concurrency slots too: one holds, one waits in line.
      const slot = { workflowId: 'spread-0', key: 'k', limit: 1, holder: 'h', ttlMs: 30_000 };
      const [holder, waiter] = [randomUUID(), randomUUID()];
      expect(await store.takeSlot({ ...slot, executionId: holder, queuedAt: new Date(1) })).toBe(
        true,
      );
      expect(await store.takeSlot({ ...slot, executionId: waiter, queuedAt: new Date(2) })).toBe(
        false,
      );
      const perNode = await Promise.all(
        cluster.nodes.map(async (node) => {
          const direct = new Redis(node.url);
          try {
            return Number(await direct.dbsize());
          } finally {
            direct.disconnect();
          }
        }),
      );
      expect(perNode.filter((n) => n > 0)).toHaveLength(1);
      expect(await harness.keys()).toHaveLength(Math.max(...perNode));
      expect((await store.countExecutions()).map((c) => c.count)).toEqual(Array(20).fill(1));
    } finally {
      await harness.close();
    }
  });

  it('refuses a prefix without a hash tag, naming what to use instead', () => {
    const client = cluster.client();
    try {
      for (const prefix of ['durable_workflow', 'dw{}x', '{}{dw}']) {
        expect(() => new RedisWorkflowStore({ client, prefix })).toThrow(StoreError);
      }
      expect(() => new RedisWorkflowStore({ client, prefix: 'durable_workflow' })).toThrow(
        /hash tag, such as "\{durable_workflow\}"/,
      );
      expect(() => new RedisWorkflowStore({ client, prefix: 'app:{dw}' })).not.toThrow();
    } finally {
      client.disconnect();
    }
  });

  it('reads the persistence settings of every primary', async () => {
    const client = cluster.client();
    try {
      const report = await new RedisWorkflowStore({
        client,
        prefix: '{dw-durability}',
      }).verifyDurability();
      expect(report.appendonly).toBe('yes');
      expect(report.warnings).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
