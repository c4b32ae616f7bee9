import { randomUUID } from 'node:crypto';
import {
  ExecutionStateError,
  ForkRefusedError,
  RetryRefusedError,
  type DurableWorkflowStore,
  type WorkflowSource,
} from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

/** Services that count their calls, and fail while `broken` names them. */
class Shop {
  calls: Record<string, number> = {};
  broken = new Set<string>();

  private count(name: string, value: unknown) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.broken.has(name)) throw new Error(`${name} is broken`);
    return value;
  }
  charge(input: { n: number }) {
    return this.count('charge', { charged: input.n * 10 });
  }
  ship(input: { charged: unknown }) {
    return this.count('ship', { shipped: input.charged });
  }
  item(input: { item: number }) {
    return this.count(`item${input.item}`, input.item * 2);
  }
}

const WORKFLOWS: WorkflowSource[] = [
  {
    id: 'order',
    name: 'Charge, then ship',
    inputs: { n: { type: 'number' } },
    steps: [
      { id: 'prepare', type: 'assign', set: { prepared: '$n' }, next: 'charge' },
      {
        id: 'charge',
        type: 'call',
        service: 'shop',
        method: 'charge',
        input: { n: '$n' },
        output: 'charge',
        next: 'ship',
      },
      {
        id: 'ship',
        type: 'call',
        service: 'shop',
        method: 'ship',
        input: { charged: '$charge.charged' },
        output: 'ship',
        next: 'done',
      },
      { id: 'done', type: 'end', result: { charge: '$charge', ship: '$ship' } },
    ],
  },
  {
    id: 'items',
    name: 'A call per item',
    steps: [
      {
        id: 'each',
        type: 'loop',
        over: [1, 2, 3],
        as: 'item',
        output: 'doubled',
        do: [
          {
            id: 'double',
            type: 'call',
            service: 'shop',
            method: 'item',
            input: { item: '$item' },
          },
        ],
      },
    ],
  },
  {
    id: 'fan',
    name: 'Two branches',
    steps: [
      {
        id: 'both',
        type: 'parallel',
        branches: [
          [{ id: 'left', type: 'call', service: 'shop', method: 'item', input: { item: 1 } }],
          [{ id: 'right', type: 'call', service: 'shop', method: 'item', input: { item: 2 } }],
        ],
        output: 'pair',
      },
    ],
  },
  {
    id: 'outer',
    name: 'An order as a sub-workflow',
    steps: [
      {
        id: 'sub',
        type: 'workflow',
        workflow_id: 'order',
        input: { n: 4 },
        output: 'sub',
        next: 'after',
      },
      { id: 'after', type: 'assign', set: { after: true } },
    ],
  },
  {
    id: 'careful',
    name: 'A charge whose failure is handled',
    steps: [
      {
        id: 'charge',
        type: 'call',
        service: 'shop',
        method: 'charge',
        input: { n: 5 },
        output: 'charge',
        on_error: 'fallback',
        next: 'ship',
      },
      { id: 'fallback', type: 'assign', set: { fell: true }, next: 'ship' },
      {
        id: 'ship',
        type: 'call',
        service: 'shop',
        method: 'ship',
        input: { charged: 0 },
        output: 'ship',
      },
    ],
  },
  {
    id: 'historic',
    name: 'A step that reads $history',
    steps: [
      {
        id: 'charge',
        type: 'call',
        service: 'shop',
        method: 'charge',
        input: { n: 2 },
        output: 'charge',
        next: 'note',
      },
      { id: 'note', type: 'assign', set: { seen: '$history' } },
    ],
  },
  {
    id: 'hurried',
    name: 'A charge with a one-second timeout on the whole run',
    timeout: 1,
    steps: [
      {
        id: 'charge',
        type: 'call',
        service: 'shop',
        method: 'charge',
        input: { n: 1 },
        output: 'charge',
      },
    ],
  },
  {
    id: 'asked',
    name: 'An approval, then a call',
    steps: [
      { id: 'ask', type: 'approval', prompt: 'Go?', next: 'note' },
      { id: 'note', type: 'assign', set: { said: '$response' }, next: 'charge' },
      {
        id: 'charge',
        type: 'call',
        service: 'shop',
        method: 'charge',
        input: { n: 1 },
        output: 'charge',
      },
    ],
  },
];

describe.each(STORE_HARNESSES)('retry and fork on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;
  let shop: Shop;
  let h: ReturnType<typeof engineWith>;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    shop = new Shop();
    h = engineWith(store, WORKFLOWS, { shop });
  });

  it('retries a failed execution from the failed step with the context before it', async () => {
    shop.broken.add('ship');
    const failed = await h.engine.run('order', { n: 2 });
    expect(failed.status).toBe('failed');
    expect(failed.runtime?.failure).toEqual({ stepId: 'ship', frames: [] });

    shop.broken.clear();
    const reopened = await h.engine.retry(failed.id);
    expect(reopened).toMatchObject({ status: 'pending', currentStep: 'ship', error: null });
    expect(reopened.ctx).toMatchObject({ prepared: 2, charge: { charged: 20 } });
    const done = await h.engine.drive(reopened.id);

    expect(done.status).toBe('completed');
    expect(done.result).toEqual({ charge: { charged: 20 }, ship: { shipped: 20 } });
    expect(shop.calls).toEqual({ charge: 1, ship: 2 });
    expect(done.runtime?.retries).toBe(1);
    const trail = await h.trail(done.id);
    expect(trail.slice(trail.indexOf('ship:failed'))).toEqual([
      'ship:failed',
      'ship:retried',
      'ship:started',
      'ship:completed',
      'done:completed',
    ]);
  });

  it('refuses a retry of an execution that did not fail', async () => {
    const done = await h.engine.run('order', { n: 1 });
    await expect(h.engine.retry(done.id)).rejects.toThrow(ExecutionStateError);
    await expect(h.engine.retry(done.id)).rejects.toThrow(
      /it is completed, and retry needs failed/,
    );
  });

  it('refuses a second retry of the same failure', async () => {
    shop.broken.add('charge');
    const failed = await h.engine.run('order', { n: 1 });
    await h.engine.retry(failed.id);
    await expect(h.engine.retry(failed.id)).rejects.toThrow(/it is pending/);
  });

  it('refuses a retry past the timeout, or without a recorded failure point, saying what to do', async () => {
    shop.broken.add('charge');
    const late = await h.engine.run('hurried', {});
    h.advance(2000);
    await expect(h.engine.retry(late.id)).rejects.toThrow(RetryRefusedError);
    await expect(h.engine.retry(late.id)).rejects.toThrow(/timeout of 1 s.*fork it/);

    const { failure: _failure, ...runtime } = late.runtime!;
    const unrecorded = await store.save({ ...late, runtime });
    await expect(h.engine.retry(unrecorded.id)).rejects.toThrow(
      /before failure points were recorded.*fork it from that step/,
    );
  });

  it('retries inside a loop body from the failed iteration', async () => {
    shop.broken.add('item2');
    const failed = await h.engine.run('items', {});
    expect(failed.status).toBe('failed');
    shop.broken.clear();
    const done = await h.engine.drive((await h.engine.retry(failed.id)).id);
    expect(done.status).toBe('completed');
    expect(done.ctx['doubled']).toEqual([2, 4, 6]);
    // The first iteration is not run again.
    expect(shop.calls).toEqual({ item1: 1, item2: 2, item3: 1 });
  });

  it('retries a failed parallel branch by running the parallel step again', async () => {
    shop.broken.add('item2');
    const failed = await h.engine.run('fan', {});
    expect(failed.runtime?.failure?.stepId).toBe('both');
    shop.broken.clear();
    const done = await h.engine.drive((await h.engine.retry(failed.id)).id);
    expect(done.ctx['pair']).toEqual([2, 4]);
    expect(shop.calls).toEqual({ item1: 2, item2: 2 });
  });

  it('retries a failed sub-workflow through its parent, which waits for it again', async () => {
    shop.broken.add('ship');
    const failed = await h.engine.run('outer', {});
    expect(failed.status).toBe('failed');
    const [child] = (await store.find({ workflowId: 'order', status: 'failed' })).filter(
      (e) => e.runtime?.parent?.executionId === failed.id,
    );
    await expect(h.engine.retry(child.id)).rejects.toThrow(RetryRefusedError);

    shop.broken.clear();
    const done = await h.engine.drive((await h.engine.retry(failed.id)).id);
    expect(done.status).toBe('completed');
    expect(done.ctx['sub']).toEqual({ charge: { charged: 40 }, ship: { shipped: 40 } });
    expect((await store.load(child.id))?.status).toBe('completed');
    expect(await h.trail(child.id)).toContain('ship:retried');
    expect(shop.calls).toEqual({ charge: 1, ship: 2 });
  });

  it('forks from a step, reusing the outputs of the steps before it', async () => {
    const source = await h.engine.run('order', { n: 3 });
    const fork = await h.engine.fork(source.id, { fromStep: 'ship' });
    expect(fork).toMatchObject({
      status: 'pending',
      currentStep: 'ship',
      workflowVersion: source.workflowVersion,
      input: { n: 3 },
    });
    expect(fork.runtime?.forkedFrom).toEqual({ executionId: source.id, fromStep: 'ship' });
    const done = await h.engine.drive(fork.id);
    expect(done.result).toEqual(source.result);
    expect(shop.calls).toEqual({ charge: 1, ship: 2 });

    expect(await h.trail(fork.id)).toEqual([
      'prepare:completed',
      'charge:completed',
      'ship:forked',
      'ship:started',
      'ship:completed',
      'done:completed',
    ]);
    const link = (await store.entries(source.id)).find((e) => e.action === 'forked');
    expect(link).toMatchObject({ stepId: 'ship', output: { executionId: fork.id } });
  });

  it('forks a failed execution from its failed step and from the first step', async () => {
    shop.broken.add('ship');
    const source = await h.engine.run('order', { n: 1 });
    shop.broken.clear();
    const fromShip = await h.engine.drive(
      (await h.engine.fork(source.id, { fromStep: 'ship' })).id,
    );
    expect(fromShip.status).toBe('completed');
    const fromStart = await h.engine.drive(
      (await h.engine.fork(source.id, { fromStep: 'prepare' })).id,
    );
    expect(fromStart.status).toBe('completed');
    expect(shop.calls).toEqual({ charge: 2, ship: 3 });
    expect((await store.load(source.id))?.status).toBe('failed');
  });

  it('forks inside a loop body and after an answered approval', async () => {
    const looped = await h.engine.run('items', {});
    const fork = await h.engine.drive((await h.engine.fork(looped.id, { fromStep: 'double' })).id);
    expect(fork.ctx['doubled']).toEqual([2, 4, 6]);
    expect(shop.calls).toEqual({ item1: 2, item2: 2, item3: 2 });

    const halted = await h.engine.run('asked', {});
    const answered = await h.engine.resume(halted.id, { approved: true, response: 'yes' });
    expect(answered.status).toBe('completed');
    const again = await h.engine.drive((await h.engine.fork(halted.id, { fromStep: 'charge' })).id);
    expect(again.ctx['said']).toBe('yes');
    expect(again.status).toBe('completed');
  });

  it('forks a halted and a cancelled execution, and replays a failure its on_error took', async () => {
    const halted = await h.engine.run('asked', {});
    const again = await h.engine.fork(halted.id, { fromStep: 'ask' });
    expect((await h.engine.drive(again.id)).status).toBe('halted');
    await h.engine.cancel(halted.id);
    const fromCancelled = await h.engine.fork(halted.id, { fromStep: 'ask' });
    expect(fromCancelled.status).toBe('pending');

    shop.broken.add('charge');
    const handled = await h.engine.run('careful', {});
    expect(handled.status).toBe('completed');
    shop.broken.clear();
    const fork = await h.engine.drive((await h.engine.fork(handled.id, { fromStep: 'ship' })).id);
    expect(fork.status).toBe('completed');
    expect(fork.ctx['fell']).toBe(true);
    expect(fork.ctx['_last_error']).toEqual(handled.ctx['_last_error']);
    expect(shop.calls).toEqual({ charge: 1, ship: 2 });
  });

  it('gives a fork the $history of the steps it reused', async () => {
    const source = await h.engine.run('historic', {});
    const fork = await h.engine.drive((await h.engine.fork(source.id, { fromStep: 'note' })).id);
    expect(fork.ctx['seen']).toEqual(source.ctx['seen']);
    expect(fork.ctx['seen']).toEqual([{ step: 'charge', type: 'call', output: { charged: 20 } }]);
    expect(shop.calls).toEqual({ charge: 1 });
  });

  it('refuses a fork from an unknown step or one never reached', async () => {
    shop.broken.add('charge');
    const source = await h.engine.run('order', { n: 1 });
    await expect(h.engine.fork(source.id, { fromStep: 'nope' })).rejects.toThrow(
      /has no such step/,
    );
    await expect(h.engine.fork(source.id, { fromStep: 'ship' })).rejects.toThrow(ForkRefusedError);
    await expect(h.engine.fork(source.id, { fromStep: 'ship' })).rejects.toThrow(
      /never reached it/,
    );
    const fan = await h.engine.run('fan', {});
    await expect(h.engine.fork(fan.id, { fromStep: 'left' })).rejects.toThrow(
      /branch of parallel step "both"/,
    );
  });

  it('makes a fork once per executionId: asked again, even at once, the same fork comes back', async () => {
    const source = await h.engine.run('order', { n: 2 });
    const forkId = randomUUID();
    const [first, second] = await Promise.all([
      h.engine.fork(source.id, { fromStep: 'ship', executionId: forkId }),
      h.engine.fork(source.id, { fromStep: 'ship', executionId: forkId.toUpperCase() }),
    ]);
    expect(first.id).toBe(forkId);
    expect(second).toEqual(first);
    const done = await h.engine.drive(forkId);
    expect(done.status).toBe('completed');
    expect(await h.engine.fork(source.id, { fromStep: 'ship', executionId: forkId })).toEqual(done);
    // Run once: no step of it ran twice, and the source's trail names one fork.
    expect(shop.calls).toEqual({ charge: 1, ship: 2 });
    expect(await h.trail(forkId)).toEqual([
      'prepare:completed',
      'charge:completed',
      'ship:forked',
      'ship:started',
      'ship:completed',
      'done:completed',
    ]);
    const links = (await store.entries(source.id)).filter((e) => e.action === 'forked');
    expect(links.map((e) => e.output)).toEqual([{ executionId: forkId }]);
  });

  it('refuses a fork whose executionId names another execution, saying what it is', async () => {
    const source = await h.engine.run('order', { n: 4 });
    const other = await h.engine.run('order', { n: 5 });
    const forkId = randomUUID();
    await h.engine.fork(source.id, { fromStep: 'ship', executionId: forkId });
    await expect(
      h.engine.fork(source.id, { fromStep: 'charge', executionId: forkId }),
    ).rejects.toThrow(
      `the fork's executionId "${forkId}" names an existing execution, a fork of execution "${source.id}" from step "ship"; give this fork another id`,
    );
    await expect(
      h.engine.fork(other.id, { fromStep: 'ship', executionId: forkId }),
    ).rejects.toThrow(ForkRefusedError);
    await expect(
      h.engine.fork(source.id, { fromStep: 'ship', executionId: other.id }),
    ).rejects.toThrow(/names an existing execution, not a fork; give this fork another id/);
    expect((await store.entries(source.id)).filter((e) => e.action === 'forked')).toHaveLength(1);
  });
});
