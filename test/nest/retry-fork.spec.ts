import { Injectable, Module } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  DurableWorkflowModule,
  ExecutionStateError,
  ForkRefusedError,
  WorkflowCallable,
  WORKFLOW_QUEUE_NAME,
  WorkflowService,
  type StoreOption,
} from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { REDIS_URL } from '../support/env';
import { postgresAdmin } from '../support/postgres-admin';
import { appTypeorm } from '../support/typeorm-app';

jest.setTimeout(60_000);

/** Calls counted per method; a method named in `broken` throws. */
const shopState = { calls: {} as Record<string, number>, broken: new Set<string>() };

@WorkflowCallable('shop')
@Injectable()
class ShopService {
  private count(name: string, value: unknown) {
    shopState.calls[name] = (shopState.calls[name] ?? 0) + 1;
    if (shopState.broken.has(name)) throw new Error(`${name} is broken`);
    return value;
  }
  charge(input: { n: number }) {
    return this.count('charge', { charged: input.n * 10 });
  }
  ship(input: { charged: unknown }) {
    return this.count('ship', { shipped: input.charged });
  }
}

@Module({ providers: [ShopService] })
class ShopModule {}

const order = {
  id: 'order',
  name: 'Charge, then ship',
  inputs: { n: { type: 'number' } },
  steps: [
    {
      id: 'charge',
      type: 'call',
      service: 'shop',
      method: 'charge',
      input: { n: '$n' },
      output: 'charge',
      next: 'ship',
    },
    {
      id: 'ship',
      type: 'call',
      service: 'shop',
      method: 'ship',
      input: { charged: '$charge.charged' },
      output: 'ship',
      next: 'done',
    },
    { id: 'done', type: 'end', result: { charge: '$charge', ship: '$ship' } },
  ],
};

const outer = {
  id: 'outer',
  name: 'An order in a loop, as a sub-workflow',
  steps: [
    {
      id: 'each',
      type: 'loop',
      over: [1, 2],
      as: 'n',
      do: [{ id: 'sub', type: 'workflow', workflow_id: 'order', input: { n: '$n' } }],
      output: 'orders',
    },
  ],
};

const CASES = (['sqlite', 'postgres', 'redis'] as const).flatMap((store) =>
  (['in process', 'queue'] as const).map((mode) => [store, mode] as const),
);

describe.each(CASES)('retry and fork through WorkflowService on %s, %s', (storeName, mode) => {
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'dw-retry-'));
  const schema = `dw_retry_${id}`;
  const prefix = `dw-retry-${id}`;
  let app: TestingModule;
  let workflows: WorkflowService;

  beforeAll(async () => {
    if (storeName === 'postgres') await postgresAdmin(`CREATE SCHEMA ${schema}`);
    const store: StoreOption =
      storeName === 'redis'
        ? { type: 'redis', url: REDIS_URL, prefix: `${prefix}-store`, ttlSeconds: 3600 }
        : { type: 'typeorm' };
    app = await Test.createTestingModule({
      imports: [
        ShopModule,
        ...(storeName === 'sqlite' ? [appTypeorm({ sqliteFile: join(dir, 'app.sqlite') })] : []),
        ...(storeName === 'postgres' ? [appTypeorm({ schema })] : []),
        DurableWorkflowModule.forRoot({
          store,
          workflows: [order, outer],
          queue:
            mode === 'queue'
              ? { connection: { url: REDIS_URL }, prefix, leaseMs: 2000, sweepIntervalMs: 500 }
              : undefined,
        }),
      ],
    }).compile();
    await app.init();
    workflows = app.get(WorkflowService);
  });

  afterAll(async () => {
    await app?.close();
    if (storeName === 'postgres') await postgresAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    shopState.calls = {};
    shopState.broken.clear();
  });

  const failedOrder = async (n: number) => {
    const started = await workflows.start('order', { n });
    const failed = await workflows.wait(started.id);
    expect(failed.status).toBe('failed');
    return failed;
  };

  it('retries after the service is fixed, from the failed step, with its context', async () => {
    shopState.broken.add('ship');
    const failed = await failedOrder(2);
    shopState.broken.clear();

    const reopened = await workflows.retry(failed.id);
    expect(reopened).toMatchObject({ status: 'pending', currentStep: 'ship' });
    const done = await workflows.wait(failed.id);
    expect(done).toMatchObject({
      status: 'completed',
      result: { charge: { charged: 20 }, ship: { shipped: 20 } },
    });
    expect(shopState.calls).toEqual({ charge: 1, ship: 2 });
    if (mode === 'queue') {
      // A job of its own, named by the retry count.
      const queue = app.get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
      const jobId = workflowJobId('rerun', reopened);
      expect(jobId).toMatch(/-n1$/);
      expect((await queue.getJob(jobId))?.name).toBe('rerun');
    }
    const trail = (await workflows.entries(failed.id)).map((e) => `${e.stepId}:${e.action}`);
    expect(trail).toContain('ship:retried');
    expect(trail.indexOf('ship:retried')).toBeGreaterThan(trail.indexOf('ship:failed'));
  });

  it('retries a sub-workflow that failed in a loop through its parent, which waits for it again', async () => {
    shopState.broken.add('ship');
    const started = await workflows.start('outer');
    const failed = await workflows.wait(started.id);
    expect(failed.status).toBe('failed');
    shopState.broken.clear();

    await workflows.retry(failed.id);
    const done = await workflows.wait(failed.id);
    expect(done.status).toBe('completed');
    expect(done.ctx['orders']).toEqual([
      { charge: { charged: 10 }, ship: { shipped: 10 } },
      { charge: { charged: 20 }, ship: { shipped: 20 } },
    ]);
    // The first iteration's child failed and ran again from its failed step; the second ran once.
    expect(shopState.calls).toEqual({ charge: 2, ship: 3 });
  });

  it('refuses a retry of an execution that is not failed', async () => {
    const started = await workflows.start('order', { n: 1 });
    const done = await workflows.wait(started.id);
    await expect(workflows.retry(done.id)).rejects.toBeInstanceOf(ExecutionStateError);
  });

  it('forks without calling the services of the steps before fromStep', async () => {
    const started = await workflows.start('order', { n: 3 });
    const source = await workflows.wait(started.id);
    const fork = await workflows.fork(source.id, { fromStep: 'ship' });
    expect(fork.runtime?.forkedFrom).toEqual({ executionId: source.id, fromStep: 'ship' });
    const done = await workflows.wait(fork.id);
    expect(done.result).toEqual(source.result);
    expect(shopState.calls).toEqual({ charge: 1, ship: 2 });
    const links = (await workflows.entries(source.id)).filter((e) => e.action === 'forked');
    expect(links).toEqual([
      expect.objectContaining({ stepId: 'ship', output: { executionId: fork.id } }),
    ]);
    await expect(workflows.fork(source.id, { fromStep: 'nowhere' })).rejects.toBeInstanceOf(
      ForkRefusedError,
    );
  });

  it('forks once per executionId: asked again once it ran, the same fork, no step run again', async () => {
    const started = await workflows.start('order', { n: 6 });
    const source = await workflows.wait(started.id);
    const executionId = randomUUID();
    const fork = await workflows.fork(source.id, { fromStep: 'ship', executionId });
    expect(fork.id).toBe(executionId);
    const done = await workflows.wait(executionId);
    expect(done.status).toBe('completed');
    const again = await workflows.fork(source.id, { fromStep: 'ship', executionId });
    expect(again).toEqual(done);
    expect(await workflows.wait(executionId)).toEqual(done);
    expect(shopState.calls).toEqual({ charge: 1, ship: 2 });
    expect((await workflows.entries(executionId)).map((e) => `${e.stepId}:${e.action}`)).toEqual([
      'charge:completed',
      'ship:forked',
      'ship:started',
      'ship:completed',
      'done:completed',
    ]);
    await expect(
      workflows.fork(source.id, { fromStep: 'charge', executionId }),
    ).rejects.toBeInstanceOf(ForkRefusedError);
  });

  it('retries every failed execution of a workflow since a time', async () => {
    shopState.broken.add('charge');
    const before = await failedOrder(1);
    const since = new Date(before.createdAt.getTime() + 1);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const first = await failedOrder(2);
    const second = await failedOrder(3);
    const parent = await workflows.wait((await workflows.start('outer')).id);
    expect(parent.status).toBe('failed');
    shopState.broken.clear();

    const { retried, skipped } = await workflows.retryFailed({ workflowId: 'order', since });
    expect(retried.sort()).toEqual([first.id, second.id].sort());
    // The sub-workflow's execution is retried through its parent: skipped, and said why.
    expect(skipped).toEqual([
      {
        executionId: expect.any(String),
        reason: expect.stringContaining(`sub-workflow of execution "${parent.id}"`),
      },
    ]);
    for (const executionId of retried)
      expect((await workflows.wait(executionId)).status).toBe('completed');
    expect((await workflows.get(before.id))?.status).toBe('failed');
  });
});
