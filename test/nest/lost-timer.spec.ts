import type { TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WORKFLOW_QUEUE_NAME, WorkflowService } from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { WorkerProcess } from '../support/worker-process';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';

jest.setTimeout(60_000);

/** The execution once it left its halt (`wait` resolves on a halt), or as it is after 30 s. */
/** The execution once it has left its halt and the run that followed has ended. */
async function settled(workflows: WorkflowService, executionId: string) {
  for (;;) {
    // wait() answers at once while the execution is halted, and at the run's end once it left.
    const execution = await workflows.wait(executionId, { timeoutMs: 30_000 });
    if (execution.status !== 'halted') return execution;
    await delay(100);
  }
}

/**
 * A timer's delayed job lost before any worker took it (removed from BullMQ here) is found by the
 * next recovery sweep through the store's index of due timers, not only by the slower check of
 * every halted execution.
 */
describe('queue mode: a timer whose job is lost', () => {
  const schema = `dw_timer_${randomBytes(4).toString('hex')}`;
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema,
    prefix: `dwt-${randomBytes(4).toString('hex')}`,
    leaseMs: 2000,
    // The check of every halted execution comes only every sixth sweep, long after the timer is
    // due: the sweep's read of due timers is what finds it.
    sweepIntervalMs: 1500,
  };
  let web: TestingModule;
  let workflows: WorkflowService;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
    workflows = web.get(WorkflowService);
  });

  afterAll(async () => {
    await tearDownQueueSuite({ workers: [worker], web, schemas: [schema], prefix: config.prefix });
  });

  it('fires the timer once the sweep finds it due and not applied', async () => {
    worker = await WorkerProcess.start(config);
    // Halted in this process, which adds the timer's delayed job after the halt; five seconds
    // leave time to remove it before it is due, however slow the machine.
    const halted = await workflows.run('long-nap');
    expect(halted.status).toBe('halted');
    const queue = web.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    const timerId = workflowJobId('timer', halted);
    expect(await queue.getJobState(timerId)).toBe('delayed');
    await queue.remove(timerId);
    expect(await queue.getJob(timerId)).toBeUndefined();

    const done = await settled(workflows, halted.id);
    expect(done?.status).toBe('completed');
    expect(done?.ctx['woke']).toBe(true);
  });
});
