import { RedisWorkflowStore } from '../../src';
import { createdAtSeries, newEntry, newExecution, sleep } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';
import { ScratchRedisServer } from '../support/redis-server';

describe('Redis store: keys, expiry and durability', () => {
  const harness = new RedisHarness();
  afterAll(() => harness.close());

  const keysOf = async (id: string) =>
    (await harness.keys()).filter((key) => key.endsWith(id)).sort();

  it('expires every key of an execution after ttlSeconds and forgets it in every index', async () => {
    const store = await harness.open({ ttlSeconds: 1 });
    const execution = newExecution({ workflowId: 'ttl', status: 'halted' });
    const saved = await store.checkpoint(execution, [newEntry(execution, 'a')]);
    for (const key of await keysOf(execution.id)) {
      const ttl = await harness.client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
    }
    expect((await store.find({ workflowId: 'ttl', status: 'halted' })).map((e) => e.id)).toEqual([
      saved.id,
    ]);

    const ttlCounts = async () =>
      (await store.countExecutions()).filter((c) => c.workflowId === 'ttl');
    expect(await ttlCounts()).toEqual([{ workflowId: 'ttl', status: 'halted', count: 1 }]);

    await sleep(1300);
    expect(await ttlCounts()).toEqual([]);
    expect(await store.load(execution.id)).toBeNull();
    expect(await store.entries(execution.id)).toEqual([]);
    expect(await store.find({ workflowId: 'ttl' })).toEqual([]);
    expect(await store.executionIds()).not.toContain(execution.id);
    for (const index of await harness.keys()) {
      if ((await harness.client.type(index)) !== 'zset') continue;
      expect(await harness.client.zscore(index, execution.id)).toBeNull();
    }
    expect(await harness.client.hget(`${harness.prefix}:locator`, execution.id)).toBeNull();
  });

  it('refreshes the ttl of every key on each write', async () => {
    const store = await harness.open({ ttlSeconds: 2 });
    const execution = await store.save(newExecution({ workflowId: 'ttl-refresh' }));
    await store.record(newEntry(execution, 'a'));
    await sleep(1200);
    await store.record(newEntry(execution, 'b'));
    await sleep(1200);
    expect(await store.load(execution.id)).not.toBeNull();
    expect((await store.entries(execution.id)).map((e) => e.stepId)).toEqual(['a', 'b']);
  });

  it('keeps executions without expiry when ttlSeconds is 0', async () => {
    const store = await harness.open({ ttlSeconds: 0 });
    const execution = await store.save(newExecution({ workflowId: 'forever' }));
    expect(await harness.client.ttl(`${harness.prefix}:exec:${execution.id}`)).toBe(-1);
    await store.delete(execution.id);
  });

  it('lists, filters and counts without KEYS', async () => {
    const store = await harness.open();
    await store.save(newExecution({ workflowId: 'no-keys', status: 'halted' }));
    const keysCalls = async () => {
      const stats = (await harness.client.info('commandstats')).match(/cmdstat_keys:calls=(\d+)/);
      return stats ? Number(stats[1]) : 0;
    };
    const before = await keysCalls();
    await store.find();
    await store.find({ status: 'halted' });
    await store.executionIds();
    await store.countExecutions();
    expect(await keysCalls()).toBe(before);
  });

  it('counts executions written before it kept its set of workflows, even after newer writes', async () => {
    const older = await harness.open();
    const workflowId = `older-${Date.now()}`;
    const times = createdAtSeries(5);
    for (const createdAt of times) {
      await older.save(newExecution({ workflowId, status: 'halted', createdAt }));
    }
    // As an earlier version left it: no set of workflows, nothing learnt yet.
    await harness.client.del(`${harness.prefix}:workflows`, `${harness.prefix}:workflows:learnt`);
    const newer = `newer-${Date.now()}`;
    await older.save(newExecution({ workflowId: newer, status: 'running' }));

    const store = new RedisWorkflowStore({ client: harness.client, prefix: harness.prefix });
    const counts = async () =>
      (await store.countExecutions()).filter(
        (c) => c.workflowId === workflowId || c.workflowId === newer,
      );
    expect(await counts()).toEqual([
      { workflowId: newer, status: 'running', count: 1 },
      { workflowId, status: 'halted', count: 5 },
    ]);
    for (const id of await store.executionIds({ workflowId: newer })) await store.delete(id);
    expect(await harness.client.sismember(`${harness.prefix}:workflows`, workflowId)).toBe(1);
    for (const id of await store.executionIds({ workflowId })) await store.delete(id);
    expect(await counts()).toEqual([]);
    expect(await harness.client.sismember(`${harness.prefix}:workflows`, workflowId)).toBe(0);
  });

  it('pages through ids of any case created in the same millisecond, in byte order', async () => {
    const store = await harness.open();
    const workflowId = `cases-${Date.now()}`;
    const createdAt = new Date();
    const ids = ['a-1', 'B-1', 'b-1', 'A-1', 'Z', '_', 'z'].map((s) => `${workflowId}-${s}`);
    for (const id of ids) await store.save(newExecution({ id, workflowId, createdAt }));
    const paged: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < ids.length + 1; page++) {
      const found = await store.find({ workflowId, limit: 2, before });
      if (found.length === 0) break;
      paged.push(...found.map((e) => e.id));
      before = found[found.length - 1].id;
    }
    const byBytes = [...ids].sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)));
    expect(paged).toEqual(byBytes);
    for (const id of ids) await store.delete(id);
  });

  it('refuses a bad prefix or ttl when constructed', () => {
    expect(() => new RedisWorkflowStore({ client: harness.client, prefix: '' })).toThrow(/prefix/);
    expect(() => new RedisWorkflowStore({ client: harness.client, ttlSeconds: -1 })).toThrow(
      /ttlSeconds/,
    );
  });

  describe('durability check', () => {
    it('warns when the server keeps no AOF or may evict keys', async () => {
      const server = new ScratchRedisServer([
        '--appendonly',
        'no',
        '--save',
        '',
        '--maxmemory-policy',
        'allkeys-lru',
      ]);
      await server.start();
      const log = jest.fn();
      const store = new RedisWorkflowStore({ url: server.url, log });
      try {
        const report = await store.verifyDurability();
        expect(report.warnings.join('\n')).toMatch(/without AOF/);
        expect(report.warnings.join('\n')).toMatch(/allkeys-lru/);
        expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/appendonly yes/));
      } finally {
        await store.close();
        await server.dispose();
      }
    });

    it('is quiet when the server runs with AOF and noeviction', async () => {
      const server = new ScratchRedisServer([
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ]);
      await server.start();
      const store = new RedisWorkflowStore({ url: server.url });
      try {
        expect((await store.verifyDurability()).warnings).toEqual([]);
      } finally {
        await store.close();
        await server.dispose();
      }
    });
  });
});
