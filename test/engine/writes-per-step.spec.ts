import type { DurableWorkflowStore, Entry, Execution } from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

class Counter {
  calls = 0;
  failuresLeft = 1;
  async next(n: number) {
    this.calls++;
    return n + 1;
  }
  async flaky(n: number) {
    this.calls++;
    if (this.failuresLeft-- > 0) throw new Error('busy');
    return n + 1;
  }
}

const threeCalls = {
  id: 'three_calls',
  name: 'Three calls',
  steps: ['a', 'b', 'c'].map((id, i, all) => ({
    id,
    type: 'call',
    service: 'counter',
    method: 'next',
    input: i === 0 ? 0 : `$${all[i - 1]}`,
    output: id,
    ...(i + 1 < all.length ? { next: all[i + 1] } : {}),
  })),
};

const flakyCall = {
  id: 'flaky_call',
  name: 'An assign, then a call retried once',
  steps: [
    { id: 'set', type: 'assign', set: { n: 41 }, next: 'bump' },
    { id: 'bump', type: 'call', service: 'counter', method: 'flaky', input: '$n', retries: 1 },
  ],
};

const loopOfCalls = {
  id: 'loop_of_calls',
  name: 'A call per item',
  steps: [
    {
      id: 'each',
      type: 'loop',
      over: '$input.items',
      as: 'item',
      output: 'results',
      do: [{ id: 'bump', type: 'call', service: 'counter', method: 'next', input: '$item' }],
    },
  ],
};

const oneOfEach = {
  id: 'one_of_each',
  name: 'One step of each type that does not halt',
  steps: [
    { id: 'set', type: 'assign', set: { xs: [1, 2] }, next: 'pick' },
    {
      id: 'pick',
      type: 'transform',
      input: '$xs',
      expression: { first: 1 },
      output: 'ys',
      next: 'route',
    },
    {
      id: 'route',
      type: 'router',
      routes: [{ when: { field: 'ys', op: 'exists' }, then: 'both' }],
      default: 'both',
    },
    {
      id: 'both',
      type: 'parallel',
      branches: [
        [{ id: 'left', type: 'call', service: 'counter', method: 'next', input: 1, output: 'l' }],
        [{ id: 'right', type: 'call', service: 'counter', method: 'next', input: 2, output: 'r' }],
      ],
      next: 'each',
    },
    {
      id: 'each',
      type: 'loop',
      over: '$xs',
      as: 'item',
      output: 'bumped',
      do: [{ id: 'bump', type: 'assign', set: { last: '$item' } }],
    },
  ],
};

/** The store itself, with its checkpoints counted: the writes a run costs. */
function countingCheckpoints(store: DurableWorkflowStore) {
  const counted = { checkpoints: 0 };
  const checkpoint = store.checkpoint.bind(store);
  const wrapped: DurableWorkflowStore = Object.create(store) as DurableWorkflowStore;
  wrapped.checkpoint = (execution: Execution, entries: readonly Entry[], options) => {
    counted.checkpoints++;
    return checkpoint(execution, entries, options);
  };
  return { store: wrapped, counted };
}

describe.each(STORE_HARNESSES)('writes per step on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  function setUp() {
    const { store: counting, counted } = countingCheckpoints(store);
    const counter = new Counter();
    const h = engineWith(counting, [threeCalls, flakyCall, loopOfCalls, oneOfEach], {
      counter,
    });
    return { h, counted, counter };
  }

  it("writes a call's started entry with the checkpoint that moves to it", async () => {
    const { h, counted, counter } = setUp();
    const run = await h.engine.run('three_calls');
    expect(run.status).toBe('completed');
    expect(run.ctx).toMatchObject({ a: 1, b: 2, c: 3 });
    expect(counter.calls).toBe(3);
    // The first call's start creates the execution; every later start rides on the step before.
    expect(counted.checkpoints).toBe(4);
    const entries = await store.entries(run.id);
    expect(entries.map((e) => `${e.stepId}:${e.action}`)).toEqual([
      'a:started',
      'a:completed',
      'b:started',
      'b:completed',
      'c:started',
      'c:completed',
    ]);
    const bStarted = entries[2];
    expect(bStarted.input).toBe(1);
    expect(bStarted.output).toEqual({ attempt: 1, of: 1 });
  });

  it('writes a loop body call with the checkpoint of the iteration', async () => {
    const { h, counted } = setUp();
    const run = await h.engine.run('loop_of_calls', { items: [10, 20, 30] });
    expect(run.status).toBe('completed');
    expect(run.ctx.results).toEqual([11, 21, 31]);
    const trail = await h.trail(run.id);
    expect(trail.filter((t) => t === 'each:bump:started')).toHaveLength(3);
    // One per item: the call's completion with the move into the next iteration and the next
    // call's start; the first move into the loop, and the last completion ends the run.
    expect(counted.checkpoints).toBe(1 + 3);
  });

  it('still checkpoints the started entry of each later attempt before it runs', async () => {
    const { h, counted, counter } = setUp();
    const run = await h.engine.run('flaky_call');
    expect(run.status).toBe('completed');
    expect(counter.calls).toBe(2);
    expect(await h.trail(run.id)).toEqual([
      'set:completed',
      'bump:started',
      'bump:failed',
      'bump:started',
      'bump:completed',
    ]);
    // The assign's move carrying the first start, the second start, the completion.
    expect(counted.checkpoints).toBe(3);
  });

  it('writes one checkpoint per step for every step type that does not halt', async () => {
    const { h, counted, counter } = setUp();
    const run = await h.engine.run('one_of_each');
    expect(run.status).toBe('completed');
    expect(run.ctx).toMatchObject({ ys: [1], l: 2, r: 3, last: 2 });
    expect(counter.calls).toBe(2);
    // assign, transform, router and parallel (its branches' calls ride on its checkpoint): one
    // write each; the loop: its move in, then one per item, whose one-step body rides on it.
    expect(counted.checkpoints).toBe(4 + 1 + 2);
  });
});
