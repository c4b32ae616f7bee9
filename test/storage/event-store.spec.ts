import { randomUUID } from 'node:crypto';
import {
  payloadKey,
  RejectedValueError,
  ResilientStore,
  waitIndexOf,
  type DurableWorkflowStore,
  type Execution,
} from '../../src';
import { newExecution } from '../support/fixtures';
import { ScratchRedisCluster } from '../support/redis-cluster';
import { RedisHarness } from '../support/redis-harness';
import type { StoreHarness } from '../support/store-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

const haltedAt = (name: string, match: Record<string, unknown>): Partial<Execution> => ({
  status: 'halted',
  haltData: { type: 'event', name, match },
});

describe.each(STORE_HARNESSES)('events in the %s store', (_name, makeHarness) => {
  describeEventStore(makeHarness);
});

describe('events in the Redis store on Redis Cluster', () => {
  const cluster = new ScratchRedisCluster();
  beforeAll(() => cluster.start(), 30_000);
  afterAll(() => cluster.dispose());
  // Every key in the prefix's slot: a script or command naming another slot fails on a cluster.
  describe('with a hash-tagged prefix', () => {
    describeEventStore(() => new RedisHarness({ connect: () => cluster.client(), hashTag: true }));
  });
});

function describeEventStore(makeHarness: () => StoreHarness): void {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    // Through the resilient wrapper, as the module uses every store.
    store = new ResilientStore(await harness.open());
  });
  afterAll(() => harness.close());

  /** Saves an execution halted at an event step, indexed in the same write. */
  const waiting = async (name: string, match: Record<string, unknown>) => {
    const execution = newExecution(haltedAt(name, match));
    return store.checkpoint(execution, [], { eventWait: waitIndexOf(name, match) });
  };

  it('indexes a wait under its key, and only there', async () => {
    const name = `order.${randomUUID()}`;
    const a = await waiting(name, { orderId: 'a', meta: { region: 'eu', tier: 1 } });
    const b = await waiting(name, { orderId: 'b', meta: { region: 'eu', tier: 1 } });
    const shapes = await store.eventWaitShapes(name);
    expect(shapes).toEqual([['meta', 'orderId']]);
    // Keys are the same for deep-equal values whatever order their keys come in.
    const payload = { meta: { tier: 1, region: 'eu' }, orderId: 'a', extra: true };
    const key = payloadKey(name, shapes[0], payload)!;
    expect(await store.eventWaiters([key])).toEqual([a.id]);
    const keyOfB = payloadKey(name, shapes[0], { ...payload, orderId: 'b' })!;
    expect((await store.eventWaiters([key, keyOfB])).sort()).toEqual([a.id, b.id].sort());
  });

  it('removes a wait with the checkpoint that leaves it, and with the execution', async () => {
    const name = `leave.${randomUUID()}`;
    const wait = waitIndexOf(name, { k: 1 });
    const left = await waiting(name, { k: 1 });
    const other = await waiting(name, { k: 1 });
    expect((await store.eventWaiters([wait.key])).sort()).toEqual([left.id, other.id].sort());

    await store.checkpoint({ ...left, status: 'running', haltData: null }, [], { eventWait: null });
    expect(await store.eventWaiters([wait.key])).toEqual([other.id]);
    await store.delete(other.id);
    expect(await store.eventWaiters([wait.key])).toEqual([]);
  });

  it('keeps the first event of an id, lists kept events oldest first, and prunes old ones', async () => {
    const name = `kept.${randomUUID()}`;
    const base = Date.now() - 10_000;
    const first = { id: randomUUID(), name, payload: { n: 1 }, sentAt: new Date(base) };
    expect(await store.acceptEvent(first)).toEqual({ event: first, created: true });
    const again = await store.acceptEvent({ ...first, payload: { n: 99 }, sentAt: new Date() });
    expect(again).toEqual({ event: first, created: false });

    const second = { id: randomUUID(), name, payload: [1, 'two'], sentAt: new Date(base + 5000) };
    await store.acceptEvent(second);
    await store.acceptEvent({
      id: randomUUID(),
      name: `${name}.other`,
      payload: null,
      sentAt: new Date(base),
    });
    expect(await store.retainedEvents(name, new Date(base))).toEqual([first, second]);
    expect(await store.retainedEvents(name, new Date(base + 1))).toEqual([second]);
    expect(await store.retainedEvents(name, new Date(base), 1)).toEqual([first]);

    expect(await store.pruneEvents({ sentBefore: new Date(base + 1) })).toBeGreaterThanOrEqual(2);
    expect(await store.retainedEvents(name, new Date(0))).toEqual([second]);
    // A pruned id is a new event again.
    expect((await store.acceptEvent({ ...first, payload: { n: 2 } })).created).toBe(true);
  });

  it('lists an event as undelivered from its keeping until it is marked delivered', async () => {
    // Sent long ago, so events the other tests keep (sent now) are not listed.
    const at = (ms: number) => new Date(Date.UTC(2001, 0, 1) + ms);
    const event = (ms: number) => ({
      id: randomUUID(),
      name: 'left',
      payload: { ms },
      sentAt: at(ms),
    });
    const [first, second, third] = [event(0), event(1000), event(2000)];
    for (const e of [third, first, second]) await store.acceptEvent(e);
    expect(await store.undeliveredEvents({ sentBefore: at(2000) })).toEqual([first, second]);
    expect(await store.undeliveredEvents({ sentBefore: at(5000), limit: 1 })).toEqual([first]);

    await store.markEventDelivered(first.id);
    await store.markEventDelivered(first.id);
    expect(await store.undeliveredEvents({ sentBefore: at(5000) })).toEqual([second, third]);
    // Sending the id again does not make a delivered event undelivered.
    expect((await store.acceptEvent(first)).created).toBe(false);
    expect(await store.undeliveredEvents({ sentBefore: at(5000) })).toEqual([second, third]);
    // Still kept for lookback once delivered; pruning takes it off the undelivered ones too.
    expect(await store.retainedEvents('left', at(0))).toEqual([first, second, third]);
    await store.pruneEvents({ sentBefore: at(1500) });
    expect(await store.undeliveredEvents({ sentBefore: at(5000) })).toEqual([third]);
    await store.markEventDelivered(randomUUID());
  });

  it('refuses what it could not keep exactly, naming it', async () => {
    const event = { id: randomUUID(), name: 'bad', payload: { when: () => 1 }, sentAt: new Date() };
    await expect(store.acceptEvent(event)).rejects.toThrow(/payload/);
    await expect(store.eventWaiters(['not a key'])).rejects.toThrow(RejectedValueError);
    await expect(store.pruneEvents({ sentBefore: new Date(NaN) })).rejects.toThrow(
      /sentBefore must be a valid Date/,
    );
    await expect(store.undeliveredEvents({ sentBefore: new Date(NaN) })).rejects.toThrow(
      /sentBefore must be a valid Date/,
    );
    await expect(store.markEventDelivered('')).rejects.toThrow(/event id/);
  });
}
