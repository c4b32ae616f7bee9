import { randomUUID } from 'node:crypto';
import { newExecution } from '../support/fixtures';
import { PostgresHarness, SqliteHarness } from '../support/sql-harness';

describe.each([new PostgresHarness(), new SqliteHarness()])('migrations on $name', (harness) => {
  beforeAll(() => harness.open());
  afterAll(() => harness.close());

  it('create exactly the schema the entities describe', async () => {
    const pending = await harness.schemaDrift();
    expect(pending).toEqual([]);
  });

  it('keep an index an operator built beforehand (as CREATE INDEX CONCURRENTLY would)', async () => {
    await harness.revertThrough('IndexExecutionsForFlatFinds1765000000000');
    await harness.createExecutionsIndex('idx_workflow_executions_workflow_status_created', [
      'workflow_id',
      'status',
      'created_at',
      'id',
    ]);
    await harness.runMigrations();
    expect(await harness.schemaDrift()).toEqual([]);
  });

  it('keep a timer_due_at column and index an operator added beforehand', async () => {
    await harness.revertThrough('AddTimerDueAt1796666264918');
    await harness.addExecutionsTimestampColumn('timer_due_at');
    await harness.createExecutionsIndex('idx_workflow_executions_timer_due_at', ['timer_due_at']);
    await harness.runMigrations();
    expect(await harness.schemaDrift()).toEqual([]);
  });

  it('keep an undelivered_since column and index an operator added beforehand', async () => {
    await harness.revertThrough('AddEventUndeliveredSince1796712000000');
    await harness.addEventsTimestampColumnAndIndex(
      'undelivered_since',
      'idx_workflow_events_undelivered_since',
    );
    await harness.runMigrations();
    expect(await harness.schemaDrift()).toEqual([]);
  });

  it('mark the executions already in line for a slot, so findClaimable still leaves them out', async () => {
    const store = harness.store();
    const workflowId = `migrations-${randomUUID().slice(0, 8)}`;
    const slot = (executionId: string, place: number) => ({
      executionId,
      workflowId,
      key: 'k',
      limit: 1,
      queuedAt: new Date(Date.now() - 60_000 + place),
      holder: 'worker-a',
      ttlMs: 30_000,
    });
    const holder = await store.save(newExecution({ workflowId, status: 'pending' }));
    const waiter = await store.save(newExecution({ workflowId, status: 'pending' }));
    expect(await store.takeSlot(slot(holder.id, 0))).toBe(true);
    expect(await store.takeSlot(slot(waiter.id, 1))).toBe(false);
    // As a store before the mark left it: the waiter in line, nothing on its row.
    await harness.revertThrough('MarkExecutionsInLineForSlot1796730000000');
    await harness.runMigrations();
    const claimable = (await store.findClaimable({ limit: 200 })).map((e) => e.id);
    expect(claimable).toContain(holder.id);
    expect(claimable).not.toContain(waiter.id);
    for (const id of [holder.id, waiter.id]) {
      await store.releaseSlot(id);
      await store.delete(id);
    }
  });

  it('reverse exactly, and apply again', async () => {
    await harness.revertMigrations();
    expect(await harness.tableNames()).not.toEqual(expect.arrayContaining(['workflow_executions']));
    await harness.runMigrations();
    expect(await harness.tableNames()).toEqual(
      expect.arrayContaining(['workflow_entries', 'workflow_executions']),
    );
    expect(await harness.schemaDrift()).toEqual([]);
  });
});
