import type { TypeormWorkflowStore } from '../../src';
import { newExecution } from '../support/fixtures';
import { PostgresHarness } from '../support/sql-harness';
import { describeStoreContract } from '../support/store-contract';

describeStoreContract(new PostgresHarness());

describe('postgres store specifics', () => {
  const harness = new PostgresHarness();
  let store: TypeormWorkflowStore;
  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('explains that Postgres cannot keep U+0000 in JSON, and writes nothing', async () => {
    const execution = newExecution({ ctx: { note: 'nul\u0000byte' } });
    await expect(store.save(execution)).rejects.toThrow(/U\+0000/);
    expect(await store.load(execution.id)).toBeNull();
  });

  it('writes to the schema the DataSource maps the entities to', async () => {
    const execution = await store.save(newExecution());
    const rows = await harness.query(
      `SELECT count(*)::int AS n FROM ${harness.schema}.workflow_executions WHERE id = $1`,
      [execution.id],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('refuses ids that are not UUIDs with a message that says what to do', async () => {
    await expect(store.save(newExecution({ id: 'order-42' }))).rejects.toThrow(
      /not one.*randomUUID/,
    );
    expect(await store.load('order-42')).toBeNull();
  });
});
