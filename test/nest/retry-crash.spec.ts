import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { WORKFLOW_QUEUE_NAME, WorkflowService, type Entry } from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

async function until(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${ms} ms`);
    await delay(50);
  }
}

describe('a worker killed during a retried run', () => {
  const schema = `dw_rcrash_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwrc-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
  };
  const dir = mkdtempSync(join(tmpdir(), 'dw-retry-crash-'));
  let web: TestingModule;
  let workflows: WorkflowService;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
    workers = await WorkerProcess.startMany(2, config);
  });

  afterAll(async () => {
    await tearDownQueueSuite({ workers, web, schemas: [schema], prefix: config.prefix });
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over by another worker, and the retried execution completes', async () => {
    const failMark = join(dir, 'fail');
    const hangMark = join(dir, 'hang');
    const started = await workflows.start('mend', { failMark, hangMark });
    const failed = await workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(failed).toMatchObject({ status: 'failed', currentStep: 'try' });

    await workflows.retry(started.id);
    // The retried run passes the fixed step, then hangs in the next one: kill its worker there.
    await until(() => existsSync(hangMark), 20_000);
    const victim = workers.find((w) => w.pid === Number(readFileSync(hangMark, 'utf8')))!;
    expect(victim).toBeDefined();
    await victim.stop('SIGKILL');

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { ended: true } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'try', 'retried')).toBe(1);
    expect(count(entries, 'try', 'failed')).toBe(1);
    expect(count(entries, 'try', 'completed')).toBe(1);
    expect(count(entries, 'hang', 'started')).toBe(2);
    expect(count(entries, 'hang', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
  });

  it('still runs a retry whose job was lost: the pending execution is the acceptance', async () => {
    const failMark = join(dir, 'lost-fail');
    const hangMark = join(dir, 'lost-hang');
    // Marked already: the hanging step returns at once.
    writeFileSync(hangMark, 'done');
    const started = await workflows.start('mend', { failMark, hangMark });
    expect((await workflows.wait(started.id, { timeoutMs: 20_000 })).status).toBe('failed');
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));

    const reopened = await workflows.retry(started.id);
    const queue = web.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    await queue.remove(workflowJobId('rerun', reopened));
    workers = [await WorkerProcess.start(config)];

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { ended: true } });
    expect(count(await workflows.entries(started.id), 'try', 'retried')).toBe(1);
  });
});
