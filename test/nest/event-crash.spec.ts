import type { TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowService, type Entry } from '../../src';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { WorkerProcess } from '../support/worker-process';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * An event's delivery is an accepted resume: once `sendEvent` returned an execution among those
 * delivered, the worker applying it may be killed and the delivery still happens, once.
 */
describe('queue mode: a delivered event whose worker is killed', () => {
  const schema = `dw_evcrash_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwe-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
  });

  afterAll(async () => {
    await tearDownQueueSuite({ workers: started, web, schemas: [schema], prefix: config.prefix });
  });

  it('is applied by another worker, neither lost nor doubled, and not given again', async () => {
    const key = randomUUID();
    const halted = await workflows.run('awaitEvent', { key });
    expect(halted.status).toBe('halted');

    const dying = await WorkerProcess.start({ ...config, dieOnResume: true });
    started.push(dying);
    const eventId = `paid-${key}`;
    const payload = { key, amount: 3 };
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [halted.id],
    });
    expect(await dying.exited).toBeNull();
    // Accepted and not yet applied: the same event again is not a second delivery.
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [],
    });

    const healthy = await WorkerProcess.start(config);
    started.push(healthy);
    const done = await workflows.wait(halted.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.ctx['heard']).toEqual(payload);
    expect((done.ctx['after'] as { pid: number }).pid).toBe(healthy.pid);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'hear', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [],
    });
    await healthy.stop();
  });
});
