import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { WORKFLOW_QUEUE_NAME, WorkflowService, type Entry } from '../../src';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

describe('queue mode: custom steps on worker processes', () => {
  const schema = `dw_custom_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwc-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
  };
  const dir = mkdtempSync(join(tmpdir(), 'dw-custom-queue-'));
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

  it('runs a custom step again on another worker when its worker is killed mid-step', async () => {
    const markFile = join(dir, 'hang');
    const started = await workflows.start('custom_hang', { markFile });
    while (!existsSync(markFile)) await delay(50);
    const victim = workers.find((w) => w.pid === Number(readFileSync(markFile, 'utf8')))!;
    expect(victim).toBeDefined();
    await victim.stop('SIGKILL');
    workers = workers.filter((w) => w !== victim);

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { began: true, ended: true } });
    const probe = done.ctx['probe'] as { pid: number };
    expect(probe.pid).not.toBe(victim.pid);
    expect(workers.map((w) => w.pid)).toContain(probe.pid);
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'before', 'completed')).toBe(1);
    expect(count(entries, 'probe', 'started')).toBe(2);
    expect(count(entries, 'probe', 'completed')).toBe(1);
    expect(entries.filter((e) => e.stepId === 'probe').map((e) => e.stepType)).toEqual([
      'lab_step',
      'lab_step',
      'lab_step',
    ]);
  });

  it('waits out a custom step retry back-off as a delayed job, then runs the next attempt', async () => {
    const started = await workflows.start('custom_flaky', { markFile: join(dir, 'flaky') });
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { probe: { attempt: 2 } } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'probe', 'started')).toBe(2);
    expect(count(entries, 'probe', 'failed')).toBe(1);
    // The back-off was a delayed job, not a wait inside the worker.
    const queue = web.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    const retries = (await queue.getJobs(['completed'])).filter(
      (job) => job.name === 'retry' && job.data.executionId === started.id,
    );
    expect(retries).toHaveLength(1);
  });
});
