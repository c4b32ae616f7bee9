import type { TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowService, type Entry } from '../../src';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { WorkerProcess } from '../support/worker-process';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';

jest.setTimeout(90_000);

/** Looks until `done` holds, for at most 30 s; returns the last value seen. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await delay(200);
    value = await probe();
  }
  return value;
}

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * A resume is accepted in the store before its job is queued: a worker killed while holding the
 * job, before the first checkpoint, loses nothing, however often it happens, because the recovery
 * sweep finds the halted execution whose lease expired and applies the resume it keeps.
 */
describe('queue mode: an accepted resume whose workers are killed', () => {
  const schema = `dw_lost_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwl-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  const started: WorkerProcess[] = [];

  const startWorker = async (dieOnResume: boolean) => {
    const worker = await WorkerProcess.start({ ...config, dieOnResume });
    started.push(worker);
    return worker;
  };

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
  });

  afterAll(async () => {
    await tearDownQueueSuite({ workers: started, web, schemas: [schema], prefix: config.prefix });
  });

  it('completes the approval after the worker holding its resume is killed twice', async () => {
    const halted = await workflows.run('approve');
    expect(halted.status).toBe('halted');

    const first = await startWorker(true);
    await workflows.resume(halted.id, { approved: true });
    expect(await first.exited).toBeNull();
    // The second one takes the job back (BullMQ's stalled check) or the sweep's recovery, and dies too.
    const second = await startWorker(true);
    expect(await second.exited).toBeNull();
    expect((await workflows.get(halted.id))?.status).toBe('halted');

    const healthy = await startWorker(false);
    const done = await workflows.wait(halted.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect((done.ctx['after'] as { pid: number }).pid).toBe(healthy.pid);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'ask', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
    await healthy.stop();
  });

  it('fails the execution with RecoveryLimitError once a resume killed its worker more than maxRecoveries times', async () => {
    const halted = await workflows.run('approve');
    await workflows.resume(halted.id, { approved: true });
    const failed = () =>
      until(
        () => workflows.get(halted.id),
        (e) => e?.status === 'failed',
      );
    let outcome = await workflows.get(halted.id);
    // Each worker dies applying the resume (its job, BullMQ's re-delivery, or a recovery), until a
    // recovery past the limit fails the execution instead of applying it.
    for (let worker = 0; worker < 6 && outcome?.status === 'halted'; worker++) {
      const dying = await WorkerProcess.start({ ...config, dieOnResume: true, maxRecoveries: 1 });
      started.push(dying);
      await Promise.race([dying.exited, failed()]);
      outcome = await workflows.get(halted.id);
    }
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(/taken over 1 time at step "ask"/);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'ask', 'failed')).toBe(1);
    expect(count(entries, 'after', 'started')).toBe(0);
  });

  it('refuses a second resume of a halt whose accepted resume is not yet applied', async () => {
    // No worker runs: the accepted resume waits in the store and in its job.
    const halted = await workflows.run('approve');
    await workflows.resume(halted.id, { approved: true });
    await expect(workflows.resume(halted.id, { approved: false })).rejects.toThrow(
      /already being resumed/,
    );
    expect((await workflows.get(halted.id))?.status).toBe('halted');
  });
});
