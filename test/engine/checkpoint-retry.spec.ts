import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  StoreError,
  TypeormWorkflowStore,
  WORKFLOW_MIGRATIONS,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
} from '../../src';
import { Checkpointer } from '../../src/core/engine/checkpointer';
import { RunState } from '../../src/core/engine/run-state';
import { parseDefinition } from '../../src/core/definition/parse-definition';
import { newExecution } from '../support/fixtures';

/**
 * A checkpoint whose write failed leaves the working state as it was: tried again, it counts its
 * halt once (a job answering halt N must still find halt N) and forgets takeovers only once saved.
 */
describe('a checkpoint tried again after its write failed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-checkpoint-'));
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: join(dir, 'workflows.sqlite'),
    entities: [WorkflowExecutionEntity, WorkflowEntryEntity],
    migrations: WORKFLOW_MIGRATIONS,
  });
  const store = new TypeormWorkflowStore(dataSource);
  const checkpointer = new Checkpointer({
    store,
    now: () => new Date(),
    emit: () => undefined,
    onFinished: async () => undefined,
  });
  const definition = parseDefinition({
    id: 'nap',
    name: 'A wait',
    steps: [
      { id: 'nap', type: 'wait', seconds: 60, next: 'woke' },
      { id: 'woke', type: 'assign', set: { woke: true } },
    ],
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the halt once and keeps takeovers until the write lands', async () => {
    const execution = newExecution({
      workflowId: 'nap',
      status: 'running',
      currentStep: 'nap',
      runtime: {
        frames: [],
        response: null,
        approved: null,
        halts: 2,
        recoveries: { stepId: 'nap', count: 1 },
      },
    });
    const state = new RunState(execution, definition);
    const halt = {
      status: 'halted' as const,
      haltData: { type: 'wait', resume_at: new Date(Date.now() + 60_000).toISOString() },
      currentStep: 'woke',
    };

    // The DataSource is not initialized yet: the write fails before anything is stored.
    await expect(checkpointer.commit(state, halt)).rejects.toBeInstanceOf(StoreError);
    expect(state.runtime.halts).toBe(2);
    expect(state.runtime.recoveries).toEqual({ stepId: 'nap', count: 1 });

    await dataSource.initialize();
    await dataSource.runMigrations();
    await checkpointer.commit(state, halt);
    const saved = await store.load(execution.id);
    expect(saved?.runtime?.halts).toBe(3);
    expect(saved?.runtime?.recoveries).toBeUndefined();
    expect(state.runtime.halts).toBe(3);
  });
});
