import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { WORKFLOW_QUEUE_NAME, WorkflowService } from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { WorkerProcess } from '../support/worker-process';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';

jest.setTimeout(90_000);

/**
 * A worker started on another store than the process that queued the job (another schema here,
 * as a worker missing DATABASE_URL would be) finds no execution: it says so, naming the execution
 * and the store it looked in, and fails the job instead of completing it; a worker on the right
 * store then runs it.
 */
describe('queue mode: a worker on the wrong store', () => {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `dww-${suffix}`;
  const right: Omit<QueueAppConfig, 'worker'> = { schema: `dw_right_${suffix}`, prefix };
  const wrong: Omit<QueueAppConfig, 'worker'> = {
    schema: `dw_wrong_${suffix}`,
    prefix,
    runMigrations: true,
  };
  let web: TestingModule;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${right.schema}; CREATE SCHEMA ${wrong.schema}`);
    web = await bootQueueApp({ ...right, worker: false, runMigrations: true });
  });

  afterAll(async () => {
    await tearDownQueueSuite({
      workers: started,
      web,
      schemas: [right.schema, wrong.schema],
      prefix,
    });
  });

  it('names the execution and its store, fails the job, and leaves it to a worker on the right store', async () => {
    const workflows = web.get(WorkflowService);
    const misplaced = await WorkerProcess.start(wrong);
    started.push(misplaced);
    const execution = await workflows.start('tally', { n: 1 });

    await misplaced.printed(`names execution "${execution.id}"`);
    expect(misplaced.output).toContain(`${wrong.schema}`);
    expect(misplaced.output).toContain('DATABASE_URL');
    await misplaced.stop();
    expect((await workflows.get(execution.id))?.status).toBe('pending');
    const queue = web.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    const state = await queue.getJobState(workflowJobId('start', execution));
    expect(['delayed', 'waiting', 'failed']).toContain(state);

    started.push(await WorkerProcess.start(right));
    const done = await workflows.wait(execution.id, { timeoutMs: 60_000 });
    expect(done.status).toBe('completed');
  });
});
