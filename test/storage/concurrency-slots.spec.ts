import { randomUUID } from 'node:crypto';
import type { DurableWorkflowStore, SlotRequest } from '../../src';
import { newExecution } from '../support/fixtures';
import { STORE_HARNESSES } from '../support/store-harnesses';
import type { StoreHarness } from '../support/store-harness';

describe.each(STORE_HARNESSES)('concurrency slots on %s', (_name, makeHarness) => {
  let harness: StoreHarness;
  let store: DurableWorkflowStore;
  const workflowId = `slots-${randomUUID().slice(0, 8)}`;
  const base = Date.now() - 60_000;

  beforeAll(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  afterAll(() => harness.close());

  const request = (
    key: string,
    place: number,
    overrides: Partial<SlotRequest> = {},
  ): SlotRequest => ({
    executionId: randomUUID(),
    workflowId,
    key,
    limit: 1,
    queuedAt: new Date(base + place),
    holder: 'worker-a',
    ttlMs: 30_000,
    ...overrides,
  });

  it('gives one slot of a limit of 1, and hands it on in the order of the line', async () => {
    const [a, b, c] = [request('k1', 1), request('k1', 2), request('k1', 3)];
    expect(await store.takeSlot(a)).toBe(true);
    // c is in line before b asks: the line is by place, not by arrival.
    expect(await store.takeSlot(c)).toBe(false);
    expect(await store.takeSlot(b)).toBe(false);
    expect(await store.takeSlot(a)).toBe(true);
    expect(await store.releaseSlot(a.executionId)).toEqual([b.executionId]);
    expect(await store.takeSlot(c)).toBe(false);
    expect(await store.takeSlot(b)).toBe(true);
    expect(await store.releaseSlot(b.executionId)).toEqual([c.executionId]);
    expect(await store.takeSlot(c)).toBe(true);
    expect(await store.releaseSlot(c.executionId)).toEqual([]);
  });

  it('counts slots per key and up to the limit', async () => {
    const [a, b, c] = [1, 2, 3].map((n) => request('k2', n, { limit: 2 }));
    const other = request('k3', 4, { limit: 2 });
    expect(await store.takeSlot(a)).toBe(true);
    expect(await store.takeSlot(b)).toBe(true);
    expect(await store.takeSlot(c)).toBe(false);
    expect(await store.takeSlot(other)).toBe(true);
    expect(await store.releaseSlot(b.executionId)).toEqual([c.executionId]);
    expect(await store.takeSlot(c)).toBe(true);
    await Promise.all([a, c, other].map((r) => store.releaseSlot(r.executionId)));
  });

  it('gives exactly one of many concurrent requests the last slot', async () => {
    const requests = Array.from({ length: 6 }, (_, n) => request('k4', n));
    const taken = await Promise.all(requests.map((r) => store.takeSlot(r)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    await Promise.all(requests.map((r) => store.releaseSlot(r.executionId)));
  });

  it('frees a slot its holder stopped renewing, and keeps a renewed one', async () => {
    const lapsing = request('k5', 1, { ttlMs: 150 });
    const next = request('k5', 2);
    expect(await store.takeSlot(lapsing)).toBe(true);
    expect(await store.extendSlot(lapsing.executionId, 'worker-b', 150)).toBe(false);
    expect(await store.takeSlot(next)).toBe(false);
    await waitUntil(() => store.takeSlot(next));
    expect(await store.extendSlot(lapsing.executionId, 'worker-a', 150)).toBe(false);
    expect(await store.extendSlot(next.executionId, 'worker-a', 30_000)).toBe(true);
    await Promise.all([lapsing, next].map((r) => store.releaseSlot(r.executionId)));
  });

  it('hands a freed slot on for a while, and lists it once it lapses unclaimed', async () => {
    const [a, b, c] = [request('k6', 1), request('k6', 2), request('k6', 3)];
    expect(await store.takeSlot(a)).toBe(true);
    expect(await store.takeSlot(b)).toBe(false);
    expect(await store.takeSlot(c)).toBe(false);
    expect(await store.findLapsedSlots()).not.toContain(b.executionId);
    expect(await store.releaseSlot(a.executionId, 150)).toEqual([b.executionId]);
    // b's slot is kept for it: c, behind it, waits.
    expect(await store.takeSlot(c)).toBe(false);
    // Never taken up, it lapses, and is listed; the executions in line never are.
    await waitUntil(async () => (await store.findLapsedSlots()).includes(b.executionId));
    expect(await store.findLapsedSlots({ limit: 1000 })).not.toContain(c.executionId);
    expect(await store.takeSlot(b)).toBe(true);
    expect(await store.findLapsedSlots({ limit: 1000 })).not.toContain(b.executionId);
    await Promise.all([b, c].map((r) => store.releaseSlot(r.executionId)));
  });

  it('leaves executions in line for a slot out of findClaimable, however many wait', async () => {
    const holder = await store.save(newExecution({ workflowId, status: 'pending' }));
    expect(await store.takeSlot(request('k7', 0, { executionId: holder.id }))).toBe(true);
    const waiting: string[] = [];
    for (let n = 0; n < 250; n++) {
      const execution = await store.save(newExecution({ workflowId, status: 'pending' }));
      expect(await store.takeSlot(request('k7', n + 1, { executionId: execution.id }))).toBe(false);
      waiting.push(execution.id);
    }
    // A crashed run created after all of them: the sweep's first page still finds it.
    const crashed = await store.save(newExecution({ workflowId, status: 'running' }));
    const claimable = (await store.findClaimable({ limit: 200 })).map((e) => e.id);
    expect(claimable).toContain(crashed.id);
    expect(claimable).toContain(holder.id);
    expect(claimable.filter((id) => waiting.includes(id))).toEqual([]);

    // A slot handed on makes its execution claimable again: a lost hand-on is recovered.
    expect(await store.releaseSlot(holder.id, 30_000)).toEqual([waiting[0]]);
    const after = (await store.findClaimable({ limit: 200 })).map((e) => e.id);
    expect(after).toContain(waiting[0]);
    expect(after.filter((id) => waiting.slice(1).includes(id))).toEqual([]);
    for (const id of [holder.id, crashed.id, ...waiting]) {
      await store.releaseSlot(id);
      await store.delete(id);
    }
  });

  it('makes a waiter claimable again once it takes its slot itself', async () => {
    const holder = await store.save(newExecution({ workflowId, status: 'pending' }));
    const [first, second] = [
      await store.save(newExecution({ workflowId, status: 'pending' })),
      await store.save(newExecution({ workflowId, status: 'pending' })),
    ];
    expect(await store.takeSlot(request('k8', 0, { executionId: holder.id }))).toBe(true);
    expect(await store.takeSlot(request('k8', 1, { executionId: first.id }))).toBe(false);
    expect(await store.takeSlot(request('k8', 2, { executionId: second.id }))).toBe(false);
    const claimable = async () => (await store.findClaimable({ limit: 200 })).map((e) => e.id);
    expect(await claimable()).not.toContain(first.id);

    // Released without a hand-on, the next in line stays out until it asks and gets the slot.
    expect(await store.releaseSlot(holder.id)).toEqual([first.id]);
    expect(await claimable()).not.toContain(first.id);
    expect(await store.takeSlot(request('k8', 1, { executionId: first.id }))).toBe(true);
    expect(await claimable()).toContain(first.id);
    expect(await claimable()).not.toContain(second.id);
    for (const id of [holder.id, first.id, second.id]) {
      await store.releaseSlot(id);
      await store.delete(id);
    }
  });

  it('hands nobody on for an execution that held nothing', async () => {
    expect(await store.releaseSlot(randomUUID())).toEqual([]);
  });
});

/** Polls a store answer that changes with the store's clock; the expiry is the only event there is. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the slot was never freed');
}
