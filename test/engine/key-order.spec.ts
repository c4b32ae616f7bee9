import type { DurableWorkflowStore } from '../../src';
import { engineWith } from '../support/engine-harness';
import { PostgresHarness } from '../support/sql-harness';

/** Keys in an order Postgres jsonb changes: it sorts by length, then bytes. */
const source = {
  fetch: () => ({ bb: 1, a: 2, 10: 3, 9: 4 }),
  negativeZero: () => -0,
  notANumber: () => NaN,
};

const readKeys = (suffix: string) => [
  {
    id: `keys_${suffix}`,
    type: 'transform',
    input: 'obj',
    expression: ['keys'],
    output: `keys_${suffix}`,
  },
  {
    id: `first_${suffix}`,
    type: 'transform',
    input: 'obj',
    expression: ['values', 'first'],
    output: `first_${suffix}`,
  },
  { id: `text_${suffix}`, type: 'assign', set: { [`text_${suffix}`]: 'obj is $obj' } },
];

const chain = (steps: Record<string, unknown>[]) =>
  steps.map((step, i) => (i < steps.length - 1 ? { ...step, next: steps[i + 1].id } : step));

const keyed = {
  id: 'keyed',
  name: 'Keyed',
  steps: chain([
    { id: 'fetch', type: 'call', service: 'source', method: 'fetch', output: 'obj' },
    { id: 'zero', type: 'call', service: 'source', method: 'negativeZero', output: 'z' },
    ...readKeys('before'),
    { id: 'pause', type: 'halt', reason: 'look' },
    ...readKeys('after'),
  ]),
};

const notANumber = {
  id: 'not_a_number',
  name: 'Not a number',
  steps: [{ id: 'nan', type: 'call', service: 'source', method: 'notANumber', output: 'nan' }],
};

describe('object key order and -0 across a halt on Postgres', () => {
  const harness = new PostgresHarness();
  let store: DurableWorkflowStore;
  let h: ReturnType<typeof engineWith>;
  beforeAll(async () => {
    store = await harness.open();
    h = engineWith(store, [keyed, notANumber], { source });
  });
  afterAll(() => harness.close());

  it('give the same keys, values and text before and after the store reorders keys', async () => {
    const halted = await h.engine.run('keyed');
    // Written as 9, 10, bb, a (JavaScript puts integer keys first); jsonb gives a before bb.
    expect(Object.keys(source.fetch())).toEqual(['9', '10', 'bb', 'a']);
    const stored = (await store.load(halted.id))?.ctx['obj'];
    expect(Object.keys(stored as object)).toEqual(['9', '10', 'a', 'bb']);
    const done = await h.engine.resume(halted.id, {});
    expect(done.status).toBe('completed');
    expect(done.ctx).toMatchObject({
      keys_before: ['10', '9', 'a', 'bb'],
      keys_after: ['10', '9', 'a', 'bb'],
      first_before: 3,
      first_after: 3,
      text_before: 'obj is {"10":3,"9":4,"a":2,"bb":1}',
      text_after: 'obj is {"10":3,"9":4,"a":2,"bb":1}',
    });
  });

  it('store -0 as 0, and refuse NaN, as the format says', async () => {
    const halted = await h.engine.run('keyed');
    const stored = await store.load(halted.id);
    expect(Object.is(stored?.ctx['z'], 0)).toBe(true);
    const failed = await h.engine.run('not_a_number');
    expect(failed.error).toMatch(/Step "nan" failed: .*ctx\.nan cannot be stored as JSON/);
  });
});
