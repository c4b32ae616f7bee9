/**
 * A tour of the durable store on SQLite (no server needed): an execution checkpointed step by step,
 * a stale writer refused, a lease taken over after a crash, and the audit trail read back.
 * Run with `npm run demo`; set DATABASE_URL=postgres://... to run the same tour on Postgres.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import {
  ConcurrentUpdateError,
  CreateWorkflowTables1763800000000,
  TypeormWorkflowStore,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
  type Entry,
  type Execution,
} from '../src';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function dataSource(): DataSource {
  const common = {
    entities: [WorkflowExecutionEntity, WorkflowEntryEntity],
    migrations: [CreateWorkflowTables1763800000000],
    migrationsTableName: 'workflow_migrations',
  };
  const url = process.env.DATABASE_URL;
  if (url?.startsWith('postgres')) return new DataSource({ type: 'postgres', url, ...common });
  mkdirSync('data', { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: 'data/demo.sqlite',
    enableWAL: true,
    ...common,
  });
}

function entry(execution: Execution, stepId: string, output: unknown): Entry {
  return {
    id: randomUUID(),
    executionId: execution.id,
    stepId,
    stepType: 'assign',
    action: 'completed',
    durationMs: 1,
    input: null,
    output,
    error: null,
    timestamp: new Date(),
  };
}

async function main(): Promise<void> {
  const db = dataSource();
  await db.initialize();
  await db.runMigrations();
  const store = new TypeormWorkflowStore(db);
  console.log(`Store: ${db.options.type}\n`);

  const now = new Date();
  let execution = await store.save({
    id: randomUUID(),
    workflowId: 'order_fulfilment',
    workflowVersion: '1',
    status: 'running',
    input: { orderId: 'A-1001', items: 3 },
    ctx: {},
    currentStep: 'reserve',
    result: null,
    recoverTo: null,
    haltData: null,
    error: null,
    createdAt: now,
    updatedAt: now,
  });
  console.log(`1. Created execution ${execution.id} (revision ${execution.revision})`);

  for (const step of ['reserve', 'charge', 'ship']) {
    const ctx = { ...execution.ctx, [step]: 'done' };
    execution = await store.checkpoint({ ...execution, ctx, currentStep: step }, [
      entry(execution, step, { [step]: 'done' }),
    ]);
    console.log(`2. Checkpointed step "${step}": revision ${execution.revision}, one atomic write`);
  }

  const stale = { ...execution, revision: execution.revision! - 1 };
  await store.save(stale).catch((error: unknown) => {
    if (!(error instanceof ConcurrentUpdateError)) throw error;
    console.log(`3. A writer holding an old copy is refused:\n   ${error.message}`);
  });

  const crashed = await store.claim(execution.id, 'worker-a', 300);
  console.log(`4. worker-a claims the execution (lease 300 ms): ${crashed ? 'yes' : 'no'}`);
  console.log(
    `   worker-b tries at once: ${(await store.claim(execution.id, 'worker-b', 5000)) ? 'yes' : 'no'}`,
  );
  await sleep(400);
  const rescued = await store.claim(execution.id, 'worker-b', 5000);
  console.log(
    `   worker-a went silent; after its lease expired worker-b claims it: ${rescued ? 'yes' : 'no'}`,
  );
  await store.releaseClaim(execution.id, 'worker-b');

  const final = await store.save({ ...rescued!, status: 'completed', result: rescued!.ctx });
  console.log(`5. Completed at revision ${final.revision}. The trail, oldest first:`);
  for (const e of await store.entries(execution.id)) {
    console.log(
      `   ${e.timestamp.toISOString()}  ${e.stepId.padEnd(8)} ${e.action}  ${JSON.stringify(e.output)}`,
    );
  }
  console.log(
    `\nExecutions are listed by their typed status: ${(await store.find({ status: 'completed', limit: 3 })).length} completed shown (limit 3).`,
  );
  await store.delete(execution.id);
  await db.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
