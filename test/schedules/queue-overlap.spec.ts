import type { TestingModule } from '@nestjs/testing';
import { QueueEvents } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { WORKFLOW_QUEUE_NAME, WorkflowService, type Execution } from '../../src';
import { REDIS_URL } from '../support/env';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { QUEUE_STORES, removeQueueStore } from '../support/queue-stores';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second-skip';

describe.each(QUEUE_STORES)('queue mode on %s: overlap: skip', (_name, storeFor) => {
  const tag = randomBytes(4).toString('hex');
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema: `dw_skip_${tag}`,
    prefix: `dwk-${tag}`,
    leaseMs: 2000,
    sweepIntervalMs: 500,
    store: storeFor(tag),
    with: ['everySecondSkip'],
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  let workers: WorkerProcess[] = [];
  let queueEvents: QueueEvents;

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
    queueEvents = new QueueEvents(WORKFLOW_QUEUE_NAME, {
      connection: { url: REDIS_URL },
      prefix: config.prefix,
    });
    await queueEvents.waitUntilReady();
  });
  afterAll(async () => {
    await queueEvents?.close();
    await tearDownQueueSuite({ workers, web, schemas: [config.schema], prefix: config.prefix });
    await removeQueueStore(config as QueueAppConfig);
  });

  const isScheduled = (execution: Execution) => execution.runtime?.scheduledFor !== undefined;
  const scheduled = async () =>
    (await workflows.find({ workflowId: WORKFLOW, limit: 1000 })).filter(isScheduled);

  /** Resolves with the next scheduled execution to halt, other than `except`. */
  const nextHalt = (except?: string) =>
    new Promise<Execution>((resolve) => {
      const subscription = workflows.changes().subscribe((execution) => {
        if (
          execution.workflowId === WORKFLOW &&
          isScheduled(execution) &&
          execution.status === 'halted' &&
          execution.id !== except
        ) {
          subscription.unsubscribe();
          resolve(execution);
        }
      });
    });

  /** Resolves once `count` tick jobs finished having started nothing. */
  const skippedTicks = (count: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const listener = ({ returnvalue }: { returnvalue: unknown }) => {
        const value = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
        if ((value as { executionId?: unknown } | null)?.executionId !== null) return;
        if (++seen < count) return;
        queueEvents.off('completed', listener);
        resolve();
      };
      queueEvents.on('completed', listener);
    });

  it('skips ticks while the scheduled execution waits, past many newer manual starts', async () => {
    const firstHalt = nextHalt();
    workers = await WorkerProcess.startMany(2, config);
    const held = await firstHalt;

    // Started by hand, newer than the scheduled one: more than a page of them.
    const manual = await Promise.all(
      Array.from({ length: 150 }, () => workflows.start(WORKFLOW, { n: 2 })),
    );
    await Promise.all(manual.map((execution) => workflows.wait(execution.id)));
    await skippedTicks(3);
    expect((await scheduled()).map((execution) => execution.id)).toEqual([held.id]);

    const nextOne = nextHalt(held.id);
    await workflows.resume(held.id, { approved: true });
    expect((await workflows.wait(held.id)).status).toBe('completed');
    const after = await nextOne;
    expect(Date.parse(after.runtime!.scheduledFor!)).toBeGreaterThan(
      Date.parse(held.runtime!.scheduledFor!),
    );
    expect((await scheduled()).filter((execution) => execution.status !== 'completed')).toEqual([
      expect.objectContaining({ id: after.id }),
    ]);
  });
});
