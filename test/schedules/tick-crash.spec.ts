import type { TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { WorkflowService } from '../../src';
import { scheduledExecutionId } from '../../src/core/schedule/cron-ticks';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { QUEUE_STORES, removeQueueStore } from '../support/queue-stores';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second';

/**
 * The worst moment of a tick: its execution is saved and its start not yet queued when the worker
 * running the tick is killed. The other worker runs that execution to the end, and it stays the
 * tick's only one.
 */
describe.each(QUEUE_STORES)('queue mode on %s: a worker killed mid-tick', (_name, storeFor) => {
  const tag = randomBytes(4).toString('hex');
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema: `dw_tickcrash_${tag}`,
    prefix: `dwt-${tag}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
    store: storeFor(tag),
    with: ['everySecond'],
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
  });
  afterAll(async () => {
    await tearDownQueueSuite({ workers, web, schemas: [config.schema], prefix: config.prefix });
    await removeQueueStore(config as QueueAppConfig);
  });

  it('leaves one execution for the tick, which the other worker runs to the end', async () => {
    workers.push(await WorkerProcess.start(config));
    const dying = await WorkerProcess.start({ ...config, dieOnTick: true });
    workers.push(dying);
    expect(await dying.exited).toBeNull();
    const executionId = /died-after (\S+)/.exec(dying.output)![1];

    const done = await workflows.wait(executionId, { timeoutMs: 60_000 });
    expect(done.status).toBe('completed');
    expect(done.ctx['ticked']).toBe(1);
    const tick = new Date(done.runtime!.scheduledFor!);
    expect(scheduledExecutionId(WORKFLOW, tick)).toBe(executionId);
    const entries = await workflows.entries(executionId);
    expect(entries.filter((e) => e.stepId === 'tick' && e.action === 'completed')).toHaveLength(1);
    const ofTick = (await workflows.find({ workflowId: WORKFLOW, limit: 1000 })).filter(
      (execution) => execution.runtime?.scheduledFor === tick.toISOString(),
    );
    expect(ofTick.map((execution) => execution.id)).toEqual([executionId]);
  });
});
