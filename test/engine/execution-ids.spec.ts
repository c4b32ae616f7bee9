import { randomUUID } from 'node:crypto';
import type { DurableWorkflowStore } from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

const asking = {
  id: 'asking',
  name: 'Asking',
  steps: [{ id: 'ask', type: 'approval', prompt: 'Go?' }],
};

describe.each(STORE_HARNESSES)('execution ids on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('are case-insensitive and kept in lower case, so a start cannot be repeated by changing case', async () => {
    const h = engineWith(store, [asking]);
    const id = randomUUID();
    const first = await h.engine.run('asking', {}, { executionId: id.toUpperCase() });
    expect(first.id).toBe(id);
    const again = await h.engine.run('asking', {}, { executionId: id });
    expect(again.id).toBe(id);
    expect(await store.executionIds({ workflowId: 'asking' })).toEqual([id]);
    const { created } = await h.engine.create('asking', {}, { executionId: id.toUpperCase() });
    expect(created).toBe(false);
    const approved = await h.engine.resume(id.toUpperCase(), { approved: true });
    expect(approved).toMatchObject({ id, status: 'completed' });
  });
});
