import type { DurableWorkflowStore, Execution } from '../../src';
import { searchExecutions } from '../../src/nest/http/dashboard/execution-search';
import { createdAtSeries, newExecution } from '../support/fixtures';
import type { StoreHarness } from '../support/store-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

/** The dashboard's search reads a bounded number of executions, on every store. */
describe.each(STORE_HARNESSES)('dashboard search on %s', (_, makeHarness) => {
  let harness: StoreHarness;
  let store: DurableWorkflowStore;
  let saved: Execution[];
  const workflowId = `search_${Math.random().toString(36).slice(2, 8)}`;
  const inputs: Record<string, unknown>[] = [
    { customer: 'Ada Lovelace' },
    { n: 42 },
    { address: { city: 'LOVELACE town' } },
    { n: 420, flag: true },
    { customer: 'Grace Hopper', tags: ['lovelace-fan'] },
    { customer: 'Alan Turing' },
    { customer: 'lovelace' },
  ];

  beforeAll(async () => {
    harness = makeHarness();
    store = await harness.open();
    const times = createdAtSeries(inputs.length);
    saved = [];
    for (const [i, input] of inputs.entries())
      saved.push(
        await store.save(
          newExecution({ workflowId, input, createdAt: times[i], updatedAt: times[i] }),
        ),
      );
    // Newest first, as `find` lists them.
    saved.reverse();
  });
  afterAll(async () => {
    for (const execution of saved ?? []) await store.delete(execution.id);
    await harness.close();
  });

  const source = {
    get: (id: string) => store.load(id.toLowerCase()),
    find: (query: Parameters<DurableWorkflowStore['find']>[0]) => store.find(query),
  };
  const ids = (executions: Execution[]) => executions.map((e) => e.id);

  it('matches input values (text ignoring case, numbers and booleans exactly) among those it read', async () => {
    const all = await searchExecutions(source, { text: 'lovelace', workflowId }, 100);
    expect(ids(all.matches)).toEqual(ids([saved[0], saved[2], saved[4], saved[6]]));
    expect(all.read).toBe(inputs.length);
    expect(all.continueAfter).toBeUndefined();
    expect(ids((await searchExecutions(source, { text: '42', workflowId }, 100)).matches)).toEqual(
      ids([saved[5]]),
    );
    expect(
      ids((await searchExecutions(source, { text: 'true', workflowId }, 100)).matches),
    ).toEqual(ids([saved[3]]));
  });

  it('reads no more than its window, and goes on from where it stopped', async () => {
    const first = await searchExecutions(source, { text: 'lovelace', workflowId }, 3);
    expect(first.read).toBe(3);
    expect(ids(first.matches)).toEqual(ids([saved[0], saved[2]]));
    expect(first.continueAfter).toBe(saved[2].id);
    const next = await searchExecutions(
      source,
      { text: 'lovelace', workflowId, before: first.continueAfter },
      3,
    );
    expect(next.read).toBe(3);
    expect(ids(next.matches)).toEqual(ids([saved[4]]));
    const last = await searchExecutions(
      source,
      { text: 'lovelace', workflowId, before: next.continueAfter },
      3,
    );
    expect(ids(last.matches)).toEqual(ids([saved[6]]));
    expect(last.continueAfter).toBeUndefined();
  });

  it('finds an execution by its id, outside the window and whatever the case', async () => {
    const oldest = saved[saved.length - 1];
    const found = await searchExecutions(source, { text: oldest.id.toUpperCase(), workflowId }, 2);
    expect(found.byId?.id).toBe(oldest.id);
    expect(found.matches).toEqual([]);
    expect((await searchExecutions(source, { text: 'no-such-id', workflowId }, 2)).byId).toBe(null);
  });
});
