import type { DurableWorkflowStore, Execution, WorkflowSource } from '../../src';
import { PARTS_FROM_CONTEXT_SIZE } from '../../src/core/engine/checkpointer';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

/**
 * A checkpoint writes what its step changed. These runs go through halts, failures and refused
 * values, where what a later load returns must still be everything the run had.
 */
class Desk {
  broken = new Set<number>();

  make() {
    return { list: [1] };
  }
  /** Changes in place the object it was given from the context. */
  grow(box: { list: number[] }) {
    box.list.push(2);
    return 'grown';
  }
  private kept = { n: 1 };
  /** Returns an object it keeps, and changes later. */
  keep() {
    return this.kept;
  }
  bump() {
    this.kept.n++;
    return null;
  }
  tag(input: { outer: number; inner: string }) {
    return `${input.outer}${input.inner}`;
  }
  item(input: { item: number }) {
    if (this.broken.has(input.item)) throw new Error(`item ${input.item} is broken`);
    return input.item * 2;
  }
  /** A value no store can keep. */
  refused() {
    return { n: BigInt(1) };
  }
}

const WORKFLOWS: WorkflowSource[] = [
  {
    id: 'mutating',
    name: 'A service changes a context object in place',
    steps: [
      { id: 'make', type: 'call', service: 'desk', method: 'make', output: 'box', next: 'grow' },
      {
        id: 'grow',
        type: 'call',
        service: 'desk',
        method: 'grow',
        input: '$box',
        output: 'grown',
        next: 'ask',
      },
      { id: 'ask', type: 'halt', reason: 'look', next: 'done' },
      { id: 'done', type: 'end', result: '$box' },
    ],
  },
  {
    id: 'retained',
    name: 'A service changes later an object it returned',
    steps: [
      { id: 'keep', type: 'call', service: 'desk', method: 'keep', output: 'kept', next: 'note' },
      { id: 'note', type: 'assign', set: { noted: true }, next: 'bump' },
      { id: 'bump', type: 'call', service: 'desk', method: 'bump', next: 'ask' },
      { id: 'ask', type: 'halt', reason: 'look' },
    ],
  },
  {
    id: 'nested',
    name: 'A halt in every inner iteration',
    steps: [
      {
        id: 'rows',
        type: 'loop',
        over: [1, 2],
        as: 'outer',
        output: 'rows',
        do: [
          {
            id: 'cells',
            type: 'loop',
            over: ['a', 'b'],
            as: 'inner',
            index_as: 'j',
            output: 'row',
            do: [
              { id: 'pause', type: 'halt', reason: 'look' },
              {
                id: 'tag',
                type: 'call',
                service: 'desk',
                method: 'tag',
                input: { outer: '$outer', inner: '$inner' },
              },
            ],
          },
        ],
      },
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
          { id: 'double', type: 'call', service: 'desk', method: 'item', input: { item: '$item' } },
        ],
      },
    ],
  },
  {
    id: 'refusing',
    name: 'A value the store refuses, handled',
    steps: [
      { id: 'keep', type: 'assign', set: { kept: 1 }, next: 'bad' },
      {
        id: 'bad',
        type: 'call',
        service: 'desk',
        method: 'refused',
        output: 'bad',
        on_error: 'recover',
        next: 'done',
      },
      { id: 'recover', type: 'assign', set: { recovered: true }, next: 'done' },
      { id: 'done', type: 'end' },
    ],
  },
];

/** Input that makes the context large enough to be checkpointed in parts. */
const LARGE = { pad: 'x'.repeat(PARTS_FROM_CONTEXT_SIZE) };

describe.each(STORE_HARNESSES)('checkpoints in parts on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;
  let desk: Desk;
  let engine: ReturnType<typeof engineWith>['engine'];

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    desk = new Desk();
    engine = engineWith(store, WORKFLOWS, { desk }).engine;
  });

  it('keeps a change a service made in place to a context object', async () => {
    const halted = await engine.run('mutating', LARGE);
    expect(halted.status).toBe('halted');
    expect((await store.load(halted.id))?.ctx['box']).toEqual({ list: [1, 2] });
    const done = await engine.resume(halted.id);
    expect(done.result).toEqual({ list: [1, 2] });
  });

  it('keeps a later change a service made to an object it returned', async () => {
    const halted = await engine.run('retained', LARGE);
    expect((await store.load(halted.id))?.ctx['kept']).toEqual({ n: 2 });
  });

  it('collects nested loop results across a halt in every iteration', async () => {
    let execution: Execution = await engine.run('nested');
    const seen: unknown[] = [];
    while (execution.status === 'halted') {
      const loaded = await store.load(execution.id);
      seen.push(loaded?.runtime?.frames.map((f) => (f.type === 'loop' ? f.results : null)));
      execution = await engine.resume(execution.id);
    }
    expect(execution.status).toBe('completed');
    expect(execution.ctx['rows']).toEqual([
      ['1a', '1b'],
      ['2a', '2b'],
    ]);
    expect(seen).toEqual([
      [[], []],
      [[], ['1a']],
      [[['1a', '1b']], []],
      [[['1a', '1b']], ['2a']],
    ]);
    // The iteration variables went with their loops.
    const stored = await store.load(execution.id);
    expect(stored?.ctx).toEqual(execution.ctx);
    expect(stored?.ctx).not.toHaveProperty('inner');
    expect(stored?.ctx).not.toHaveProperty('outer');
  });

  it('retries a loop from the failed item with the results collected before it', async () => {
    desk.broken.add(2);
    const failed = await engine.run('items');
    expect(failed.status).toBe('failed');
    desk.broken.clear();
    await engine.retry(failed.id);
    const done = await engine.drive(failed.id);
    expect(done.ctx['doubled']).toEqual([2, 4, 6]);
    expect((await store.load(failed.id))?.ctx['doubled']).toEqual([2, 4, 6]);
  });

  it('goes back to the stored context when a value is refused, and writes on from there', async () => {
    const done = await engine.run('refusing', LARGE);
    expect(done.status).toBe('completed');
    const stored = await store.load(done.id);
    expect(stored?.ctx).toEqual(done.ctx);
    expect(stored?.ctx).toMatchObject({ kept: 1, recovered: true });
    expect(stored?.ctx).not.toHaveProperty('bad');
  });

  it('reads the same execution after parts as a whole save of it would hold', async () => {
    const halted = await engine.run('nested');
    const loaded = (await store.load(halted.id))!;
    const saved = await store.save(loaded);
    expect(await store.load(halted.id)).toEqual({ ...loaded, ...pick(saved) });
    const resumed = await engine.resume(halted.id);
    expect(resumed.status).toBe('halted');
    expect((await store.load(halted.id))?.runtime?.frames).toEqual(resumed.runtime?.frames);
  });
});

function pick(saved: Execution): Pick<Execution, 'revision' | 'updatedAt'> {
  return { revision: saved.revision, updatedAt: saved.updatedAt };
}
