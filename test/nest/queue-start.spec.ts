import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  STORE,
  WORKFLOW_QUEUE_NAME,
  WorkflowService,
  type DurableWorkflowStore,
  type Entry,
  type Execution,
} from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * A start job carries the execution `start()` saved, and its worker's first checkpoint takes the
 * lease; a job that ends an execution carries it back to `wait()`. Neither may cost a guarantee: no
 * write while another worker holds the lease, and `wait()` returns the execution as stored.
 */
describe('queue mode: what a start job carries', () => {
  const schema = `dw_qstart_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwqs-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  let store: DurableWorkflowStore;
  let queue: Queue;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
    store = web.get(STORE);
    queue = web.get(getQueueToken(WORKFLOW_QUEUE_NAME));
  });

  afterAll(async () => {
    await tearDownQueueSuite({ workers: [worker], web, schemas: [schema], prefix: config.prefix });
  });

  async function jobState(execution: Execution): Promise<string> {
    return queue.getJobState(workflowJobId('start', execution));
  }

  it('writes nothing while another worker holds the lease, then runs from what is stored', async () => {
    // No worker yet: the start job waits, and another owner takes the lease meanwhile.
    const started = await workflows.start('tally', { n: 7 });
    const held = await store.claim(started.id, 'another-worker', 60_000);
    expect(held?.revision).toBe(started.revision! + 1);
    worker = await WorkerProcess.start(config);
    // The worker's first checkpoint is refused, and the job looks again later.
    while ((await jobState(started)) !== 'delayed') await delay(50);
    expect((await store.load(started.id))?.revision).toBe(held!.revision);
    expect(await workflows.entries(started.id)).toEqual([]);

    await store.releaseClaim(started.id, 'another-worker');
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', result: { n: 7, pid: worker.pid } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'stamp', 'started')).toBe(1);
    expect(count(entries, 'stamp', 'completed')).toBe(1);
  });

  it('resolves wait() with the execution as stored, when the job just ended and long after', async () => {
    worker ??= await WorkerProcess.start(config);
    const started = await workflows.start('tally', { n: 1 });
    const waited = await workflows.wait(started.id, { timeoutMs: 30_000 });
    const stored = await workflows.get(started.id);
    expect(waited).toEqual(stored);
    expect(waited.createdAt).toBeInstanceOf(Date);
    expect(await jobState(started)).toBe('completed');
    expect(await workflows.wait(started.id, { timeoutMs: 30_000 })).toEqual(stored);
  });

  it('runs and waits for an execution too large for a job to carry, from the store', async () => {
    worker ??= await WorkerProcess.start(config);
    const started = await workflows.start('tally', { n: 2, note: 'x'.repeat(5000) });
    const waited = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(waited).toMatchObject({ status: 'completed', result: { n: 2 } });
    expect(waited).toEqual(await workflows.get(started.id));
  });

  it('resolves wait() at a halt, and with the end once a resume carried it on', async () => {
    worker ??= await WorkerProcess.start(config);
    const started = await workflows.start('approve');
    const halted = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(halted.status).toBe('halted');
    await workflows.resume(started.id, { approved: true });
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done).toEqual(await workflows.get(started.id));
  });
});
