import { randomUUID } from 'node:crypto';
import type { DurableWorkflowStore, WorkflowSource } from '../../src';
import { EventDelivery } from '../../src/engine';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

const WORKFLOWS: WorkflowSource[] = [
  {
    id: 'await-payment',
    name: 'Waits for its payment',
    inputs: { orderId: { type: 'string' } },
    steps: [
      {
        id: 'paid',
        type: 'event',
        name: 'payment.left',
        match: { orderId: '$orderId' },
        output: 'payment',
      },
    ],
  },
  {
    id: 'await-payment-lookback',
    name: 'Takes its payment if it came in the last minute, or waits for it',
    inputs: { orderId: { type: 'string' } },
    steps: [
      {
        id: 'paid',
        type: 'event',
        name: 'payment.left',
        match: { orderId: '$orderId' },
        lookback: 60,
        output: 'payment',
      },
    ],
  },
];

/**
 * An event a sender kept and never handed off (it stopped in between) is delivered by
 * `redeliver`, once, as the send would have: on every store.
 */
describe.each(STORE_HARNESSES)('events a stopped sender left, on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;
  let h: ReturnType<typeof engineWith>;
  let delivery: EventDelivery;

  beforeAll(async () => {
    store = await harness.open();
    h = engineWith(store, WORKFLOWS);
    delivery = new EventDelivery({
      store,
      now: () => new Date(),
      resume: (executionId, payload) => h.engine.resume(executionId, payload),
    });
  });
  afterAll(() => harness.close());

  /** What a sender killed right after keeping the event leaves behind. */
  const keptOnly = (orderId: string) =>
    store.acceptEvent({
      id: `left-${orderId}`,
      name: 'payment.left',
      payload: { orderId, amount: 5 },
      sentAt: new Date(),
    });

  it('delivers it once, and then no more, however often it runs', async () => {
    const orderId = randomUUID();
    const waiting = await h.engine.run('await-payment', { orderId });
    expect(waiting.status).toBe('halted');
    const { event } = await keptOnly(orderId);

    // Sent just now: its sender may still be handing it off.
    await delivery.redeliver(new Date(event.sentAt.getTime() - 1));
    expect((await store.load(waiting.id))?.status).toBe('halted');

    const later = new Date(event.sentAt.getTime() + 1);
    const first = await delivery.redeliver(later);
    expect(first.failed).toEqual([]);
    expect(first.resumed).toBe(1);
    const done = await store.load(waiting.id);
    expect(done).toMatchObject({ status: 'completed', ctx: { payment: event.payload } });
    expect(done?.runtime?.events).toEqual([event.id]);
    expect(await store.undeliveredEvents({ sentBefore: later })).not.toContainEqual(event);

    expect((await delivery.redeliver(later)).resumed).toBe(0);
    expect(await delivery.send('payment.left', event.payload, { id: event.id })).toEqual({
      delivered: [],
    });
    expect(await h.trail(waiting.id)).toEqual(['paid:halted', 'paid:completed']);
  });

  it('gives nothing twice to an execution that got the event already', async () => {
    const orderId = randomUUID();
    const { event } = await keptOnly(orderId);
    // Reaching its step after the event was kept, the execution takes it through its lookback.
    const waiting = await h.engine.run('await-payment-lookback', { orderId });
    expect(waiting.status).toBe('completed');

    const again = await delivery.redeliver(new Date(event.sentAt.getTime() + 1));
    expect(again.failed).toEqual([]);
    expect(await h.trail(waiting.id)).toEqual(['paid:completed']);
    expect((await store.load(waiting.id))?.runtime?.events).toEqual([event.id]);
  });
});
