import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WORKFLOW_QUEUE_NAME, WorkflowService, type Execution } from '../../src';
import { scheduledExecutionId } from '../../src/core/schedule/cron-ticks';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { QUEUE_STORES, removeQueueStore } from '../support/queue-stores';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second';

describe.each(QUEUE_STORES)('queue mode: schedules on %s', (_name, storeFor) => {
  const tag = randomBytes(4).toString('hex');
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema: `dw_sched_${tag}`,
    prefix: `dws-${tag}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
    store: storeFor(tag),
    with: ['everySecond'],
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  let workers: WorkerProcess[] = [];
  const others: TestingModule[] = [];

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
  });
  afterAll(async () => {
    await Promise.all(others.map((app) => app.close()));
    await tearDownQueueSuite({ workers, web, schemas: [config.schema], prefix: config.prefix });
    await removeQueueStore(config as QueueAppConfig);
  });

  const scheduled = async () =>
    (await workflows.find({ workflowId: WORKFLOW, limit: 1000 })).sort((a, b) =>
      tickOf(a).localeCompare(tickOf(b)),
    );
  const tickOf = (execution: Execution) => execution.runtime?.scheduledFor ?? '';

  /** Resolves with the first execution of a tick after `after` to start (its change event). */
  const nextStart = (after: string) =>
    new Promise<Execution>((resolve) => {
      const subscription = workflows.changes().subscribe((execution) => {
        if (execution.workflowId === WORKFLOW && tickOf(execution) > after) {
          subscription.unsubscribe();
          resolve(execution);
        }
      });
    });

  it('starts one execution per tick, however many processes run, with the id of the tick', async () => {
    workers = await WorkerProcess.startMany(2, config);
    let last = '';
    for (let i = 0; i < 3; i++) last = tickOf(await nextStart(last));
    const executions = await scheduled();
    const ticks = executions.map(tickOf);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const execution of executions) {
      expect(execution.id).toBe(scheduledExecutionId(WORKFLOW, new Date(tickOf(execution))));
      expect(new Date(tickOf(execution)).getUTCMilliseconds()).toBe(0);
    }
    const queue = web.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.id ?? s.key)).toEqual([`schedule-${WORKFLOW}`]);
  });

  it('runs at most the latest tick missed while no worker ran', async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    const stoppedAfter = tickOf((await scheduled()).at(-1)!);
    // Let at least three ticks pass with no worker to take them.
    while (Date.now() < Date.parse(stoppedAfter) + 4000) await delay(100);
    const restartedAt = new Date(Date.now() - 1000).toISOString();
    const resumed = nextStart(stoppedAfter);
    workers = await WorkerProcess.startMany(1, config);
    await resumed;
    const missed = (await scheduled())
      .map(tickOf)
      .filter((t) => t > stoppedAfter && t < restartedAt);
    expect(missed.length).toBeLessThanOrEqual(1);
  });

  it('removes the job scheduler of a workflow that no longer has a schedule', async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    const without = await bootQueueApp({ ...config, with: [], worker: false });
    others.push(without);
    const queue = without.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});
