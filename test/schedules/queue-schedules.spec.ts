import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { setTimeout as delay } from 'node:timers/promises';
import { WORKFLOW_QUEUE_NAME, type Execution } from '../../src';
import { scheduledExecutionId } from '../../src/core/schedule/cron-ticks';
import { bootQueueApp } from '../support/queue-app';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second';

describe.each(QUEUE_STORES)('queue mode: schedules on %s', (_name, storeFor) => {
  // Closed before the suite's own teardown (hooks run in the order declared).
  const others: TestingModule[] = [];
  afterAll(() => Promise.all(others.map((app) => app.close())));
  const suite = setUpQueueSuite({ name: 'sched', store: storeFor, with: ['everySecond'] });

  const scheduled = async () =>
    (await suite.workflows.find({ workflowId: WORKFLOW, limit: 1000 })).sort((a, b) =>
      tickOf(a).localeCompare(tickOf(b)),
    );
  const tickOf = (execution: Execution) => execution.runtime?.scheduledFor ?? '';

  /** Resolves with the first execution of a tick after `after` to start (its change event). */
  const nextStart = (after: string) =>
    new Promise<Execution>((resolve) => {
      const subscription = suite.workflows.changes().subscribe((execution) => {
        if (execution.workflowId === WORKFLOW && tickOf(execution) > after) {
          subscription.unsubscribe();
          resolve(execution);
        }
      });
    });

  it('starts one execution per tick, however many processes run, with the id of the tick', async () => {
    await suite.startWorkers(2);
    let last = '';
    for (let i = 0; i < 3; i++) last = tickOf(await nextStart(last));
    const executions = await scheduled();
    const ticks = executions.map(tickOf);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const execution of executions) {
      expect(execution.id).toBe(scheduledExecutionId(WORKFLOW, new Date(tickOf(execution))));
      expect(new Date(tickOf(execution)).getUTCMilliseconds()).toBe(0);
    }
    const schedulers = await suite.queue.getJobSchedulers();
    expect(schedulers.map((s) => s.id ?? s.key)).toEqual([`schedule-${WORKFLOW}`]);
  });

  it('runs at most the latest tick missed while no worker ran', async () => {
    await suite.stopWorkers('SIGTERM');
    const stoppedAfter = tickOf((await scheduled()).at(-1)!);
    // Let at least three ticks pass with no worker to take them.
    while (Date.now() < Date.parse(stoppedAfter) + 4000) await delay(100);
    const restartedAt = new Date(Date.now() - 1000).toISOString();
    const resumed = nextStart(stoppedAfter);
    await suite.startWorker();
    await resumed;
    const missed = (await scheduled())
      .map(tickOf)
      .filter((t) => t > stoppedAfter && t < restartedAt);
    expect(missed.length).toBeLessThanOrEqual(1);
  });

  it('removes the job scheduler of a workflow that no longer has a schedule', async () => {
    await suite.stopWorkers('SIGTERM');
    const without = await bootQueueApp({ ...suite.config, with: [], worker: false });
    others.push(without);
    const queue = without.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});
