import type { DurableWorkflowStore } from '../../src';
import { newEntry, newExecution } from '../support/fixtures';
import { SqliteHarness } from '../support/sql-harness';

/**
 * SQLite keeps the input and the context in parts from the insert on. Executions written before
 * kept them in their own row, with no parts: they load and go on in parts.
 */
describe('sqlite executions written whole in their row', () => {
  const harness = new SqliteHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('load as they were and take checkpoints in parts', async () => {
    const loop = {
      type: 'loop' as const,
      stepId: 'each',
      items: [1, 2],
      index: 1,
      results: ['r'],
      last: null,
    };
    const execution = newExecution({
      input: { n: 1 },
      ctx: { n: 1, kept: 'x', gone: true },
      runtime: { frames: [loop], response: null, approved: null },
    });
    const saved = await store.save(execution);
    await harness.query(
      'UPDATE workflow_executions SET input = jsonb(?), ctx = jsonb(?) WHERE id = ?',
      [JSON.stringify(execution.input), JSON.stringify(execution.ctx), execution.id],
    );
    await harness.query('DELETE FROM workflow_variables WHERE execution_id = ?', [execution.id]);
    await harness.query('DELETE FROM workflow_loop_values WHERE execution_id = ?', [execution.id]);
    expect(await store.load(execution.id)).toEqual(saved);

    const next = {
      ...saved,
      ctx: { n: 1, kept: 'x', added: 2 },
      runtime: { ...execution.runtime!, frames: [{ ...loop, index: 2, results: ['r', 's'] }] },
    };
    await store.checkpoint(next, [newEntry(execution, 'step')], {
      changes: {
        setVariables: ['added'],
        removedVariables: ['gone'],
        loops: [{ frame: 0, key: '0:each', appendFrom: 0, begun: true }],
        endedLoops: [],
      },
    });
    const loaded = await store.load(execution.id);
    expect(loaded).toMatchObject({ input: { n: 1 }, ctx: next.ctx, runtime: next.runtime });
  });
});
