import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { resolveQueueOptions } from '../../src/nest/queue/queue.options';
import { RecoverySweep } from '../../src/nest/queue/recovery-sweep';
import { WorkflowJobQueue, type WorkflowBullQueue } from '../../src/nest/queue/workflow-job-queue';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { REDIS_URL } from '../support/env';
import { createdAtSeries, newExecution } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';

describe('recovery sweep: halted executions', () => {
  const harness = new RedisHarness();
  const prefix = `dw-sweep-${randomBytes(4).toString('hex')}`;
  const queue: WorkflowBullQueue = new Queue('durable-workflow', {
    connection: { url: REDIS_URL },
    prefix,
  });
  const jobs = new WorkflowJobQueue(
    queue,
    resolveQueueOptions({ connection: { url: REDIS_URL }, prefix }),
  );

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await harness.close();
  });

  it('checks every halted execution in turn, a batch per check, without adding a job twice', async () => {
    const store = await harness.open();
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    for (const createdAt of createdAtSeries(5)) {
      await store.save(
        newExecution({
          status: 'halted',
          currentStep: 'nap',
          haltData: { type: 'wait', resume_at: inAnHour },
          createdAt,
        }),
      );
    }
    const sweep = new RecoverySweep(store, jobs, 1000, new Logger('test'), 2);

    await sweep.sweepOnce(true);
    expect(await queue.getDelayedCount()).toBe(2);
    await sweep.sweepOnce(true);
    await sweep.sweepOnce(true);
    expect(await queue.getDelayedCount()).toBe(5);
    // Past the oldest it starts from the newest again; the jobs are there already.
    await sweep.sweepOnce(true);
    expect(await queue.getDelayedCount()).toBe(5);
  });

  it('queues the timer of a halted execution due for over a lease on every sweep, from the index of due timers', async () => {
    const store = await harness.open();
    const dueAgo = (ms: number) => new Date(Date.now() - ms).toISOString();
    const lost = await store.save(
      newExecution({
        status: 'halted',
        currentStep: 'nap',
        haltData: { type: 'wait', resume_at: dueAgo(5000) },
      }),
    );
    const justDue = await store.save(
      newExecution({
        status: 'halted',
        currentStep: 'nap',
        haltData: { type: 'wait', resume_at: dueAgo(10) },
      }),
    );
    const sweep = new RecoverySweep(store, jobs, 1000, new Logger('test'), 1000);

    // Not the check of every halted execution: the sweep's own read of due timers.
    await sweep.sweepOnce(false);
    expect(await queue.getJobState(workflowJobId('timer', lost))).toBe('waiting');
    // One due for less than a lease may still have its job on the way.
    expect(await queue.getJobState(workflowJobId('timer', justDue))).toBe('unknown');
  });
});
