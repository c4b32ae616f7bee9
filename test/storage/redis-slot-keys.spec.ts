import { randomUUID } from 'node:crypto';
import type { RedisWorkflowStore, SlotRequest } from '../../src';
import { SLOT_KEY_TTL_MS } from '../../src/storage/redis/redis-slot-scripts';
import { newExecution } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';

describe('concurrency slot keys on Redis', () => {
  const harness = new RedisHarness();
  let store: RedisWorkflowStore;
  const workflowId = `slot-keys-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  const request = (executionId: string, place: number): SlotRequest => ({
    executionId,
    workflowId,
    key: 'k',
    limit: 1,
    queuedAt: new Date(Date.now() - 60_000 + place),
    holder: 'worker-a',
    ttlMs: 30_000,
  });
  const slotKeys = async () => (await harness.keys()).filter((key) => key.includes(':slots:'));
  const ttls = async () =>
    Promise.all(
      (await slotKeys())
        .filter((key) => !key.endsWith(':slots:lapse'))
        .map(async (key) => ({ key, ttl: await harness.client.pttl(key) })),
    );

  it('gives every key of a line a TTL, renewed with the slot', async () => {
    const [holder, waiter] = [randomUUID(), randomUUID()];
    expect(await store.takeSlot(request(holder, 0))).toBe(true);
    expect(await store.takeSlot(request(waiter, 1))).toBe(false);
    const keys = await ttls();
    expect(keys.map((k) => k.key)).toHaveLength(4);
    for (const { ttl } of keys) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(SLOT_KEY_TTL_MS);
    }
    // Cut short, then renewed: a holder that keeps its slot keeps its keys.
    for (const { key } of keys) await harness.client.pexpire(key, 60_000);
    expect(await store.extendSlot(holder, 'worker-a', 30_000)).toBe(true);
    const renewed = await ttls();
    const holderKeys = renewed.filter(({ key }) => !key.endsWith(waiter));
    for (const { ttl } of holderKeys) expect(ttl).toBeGreaterThan(60_000);
    await store.releaseSlot(waiter);
    await store.releaseSlot(holder);
    expect(await slotKeys()).toEqual([]);
  });

  it('takes a waiter whose key expired out of the line, for the sweep to bring back in its place', async () => {
    const holder = await store.save(newExecution({ workflowId, status: 'pending' }));
    const waiter = await store.save(newExecution({ workflowId, status: 'pending' }));
    const behind = await store.save(newExecution({ workflowId, status: 'pending' }));
    expect(await store.takeSlot(request(holder.id, 0))).toBe(true);
    expect(await store.takeSlot(request(waiter.id, 1))).toBe(false);
    expect(await store.takeSlot(request(behind.id, 2))).toBe(false);
    const claimable = async () => (await store.findClaimable({ limit: 1000 })).map((e) => e.id);
    expect(await claimable()).not.toContain(waiter.id);

    // Abandoned as far as Redis can tell: its key expires.
    await harness.client.del(`${harness.prefix}:slots:of:${waiter.id}`);
    expect(await claimable()).toContain(waiter.id);
    expect(await claimable()).not.toContain(behind.id);
    // The sweep's recovery asks again, at its old place: still ahead of the one behind it.
    expect(await store.takeSlot(request(waiter.id, 1))).toBe(false);
    expect(await store.releaseSlot(holder.id)).toEqual([waiter.id]);
    for (const execution of [holder, waiter, behind]) {
      await store.releaseSlot(execution.id);
      await store.delete(execution.id);
    }
  });
});
