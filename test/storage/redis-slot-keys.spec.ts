import { createHash, randomUUID } from 'node:crypto';
import type { RedisWorkflowStore, SlotRequest } from '../../src';
import { newExecution } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';
import { until } from '../support/until';

describe('concurrency slot keys on Redis', () => {
  const workflowId = `slot-keys-${randomUUID().slice(0, 8)}`;
  const request = (executionId: string, place: number): SlotRequest => ({
    executionId,
    workflowId,
    key: 'k',
    limit: 1,
    queuedAt: new Date(Date.now() - 60_000 + place),
    holder: 'worker-a',
    ttlMs: 30_000,
  });
  const slotKeys = async (harness: RedisHarness) =>
    (await harness.keys()).filter((key) => key.includes(':slots:'));

  describe('with the default ttlSeconds', () => {
    const harness = new RedisHarness();
    let store: RedisWorkflowStore;
    beforeAll(async () => {
      store = await harness.open();
    });
    afterAll(() => harness.close());

    const ttls = async () =>
      Promise.all(
        (await slotKeys(harness))
          .filter((key) => !key.endsWith(':slots:lapse'))
          .map(async (key) => ({ key, ttl: await harness.client.pttl(key) })),
      );

    it('gives every key of a line the store TTL, renewed with the slot', async () => {
      const [holder, waiter] = [randomUUID(), randomUUID()];
      expect(await store.takeSlot(request(holder, 0))).toBe(true);
      expect(await store.takeSlot(request(waiter, 1))).toBe(false);
      const keys = await ttls();
      expect(keys.map((k) => k.key)).toHaveLength(4);
      for (const { ttl } of keys) {
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(store.ttlSeconds * 1000);
      }
      // Cut short, then renewed: a holder that keeps its slot keeps its keys.
      for (const { key } of keys) await harness.client.pexpire(key, 60_000);
      expect(await store.extendSlot(holder, 'worker-a', 30_000)).toBe(true);
      const holderKeys = (await ttls()).filter(({ key }) => !key.endsWith(waiter));
      expect(holderKeys).toHaveLength(3);
      for (const { ttl } of holderKeys) expect(ttl).toBeGreaterThan(60_000);
      await store.releaseSlot(waiter);
      await store.releaseSlot(holder);
      expect(await slotKeys(harness)).toEqual([]);
    });
  });

  describe('with a short ttlSeconds', () => {
    const harness = new RedisHarness();
    let store: RedisWorkflowStore;
    beforeAll(async () => {
      store = await harness.open({ ttlSeconds: 1 });
    });
    afterAll(() => harness.close());

    it('lets the keys of a waiter that expired go with it, and the line forget it', async () => {
      const holder = randomUUID();
      const waiter = await store.save(newExecution({ workflowId, status: 'pending' }));
      expect(await store.takeSlot(request(holder, 0))).toBe(true);
      expect(await store.takeSlot(request(waiter.id, 1))).toBe(false);
      const waiterKey = `${harness.prefix}:slots:of:${waiter.id}`;
      // Its execution's keys and its own expire a second after their last write, while the holder
      // renews its slot, and so its keys and the line's.
      const gone = await until(
        async () => {
          expect(await store.extendSlot(holder, 'worker-a', 30_000)).toBe(true);
          return (await harness.client.exists(waiterKey)) === 0 && !(await store.load(waiter.id));
        },
        (expired) => expired,
        { everyMs: 100 },
      );
      expect(gone).toBe(true);
      const group = createHash('sha1').update(`${workflowId}\nk`).digest('hex');
      const line = `${harness.prefix}:slots:line:${group}`;
      expect(await harness.client.zrange(line, 0, -1)).toEqual([holder, waiter.id]);
      expect(await store.releaseSlot(holder)).toEqual([]);
      expect(await slotKeys(harness)).toEqual([]);
    });
  });
});
