import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { Client } from 'pg';
import {
  DurableWorkflowModule,
  ExecutionStateError,
  InjectStore,
  ResilientStore,
  STORE,
  WaitTimeoutError,
  WorkflowCallable,
  WorkflowService,
  type StoreOption,
  type WorkflowStore,
} from '../../src';
import { DATABASE_URL, REDIS_URL } from '../support/env';
import { ScratchRedisCluster } from '../support/redis-cluster';
import { appTypeorm } from '../support/typeorm-app';
import { until } from '../support/until';

@Injectable()
class TaxRates {
  rateFor(country: string): number {
    return country === 'BE' ? 0.21 : 0.2;
  }
}

/** A callable service with its own injected dependency. */
@WorkflowCallable('billing')
@Injectable()
class BillingService {
  constructor(private readonly rates: TaxRates) {}
  async invoice(input: { amount: number; country: string }) {
    return {
      total: Math.round(input.amount * (1 + this.rates.rateFor(input.country)) * 100) / 100,
    };
  }
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return 'done';
  }
}

@Injectable()
class StoreUser {
  constructor(@InjectStore() readonly store: WorkflowStore) {}
}

@Module({ providers: [TaxRates, BillingService, StoreUser], exports: [TaxRates] })
class BillingModule {}

const invoice = {
  id: 'invoice',
  name: 'Invoice with approval',
  inputs: { amount: { type: 'number' }, country: { type: 'string', default: 'BE' } },
  steps: [
    {
      id: 'bill',
      type: 'call',
      service: 'billing',
      method: 'invoice',
      input: { amount: '$amount', country: '$country' },
      output: 'bill',
      next: 'check',
    },
    {
      id: 'check',
      type: 'router',
      routes: [{ when: { field: 'bill.total', op: 'gt', value: 1000 }, then: 'approve' }],
      default: 'done',
    },
    { id: 'approve', type: 'approval', prompt: 'Send $bill.total?', next: 'done' },
    { id: 'done', type: 'end', result: '$bill' },
  ],
};
const slow = {
  id: 'slow',
  name: 'Slow',
  steps: [{ id: 'work', type: 'call', service: 'billing', method: 'slow' }],
};
const napping = {
  id: 'napping',
  name: 'Timer across restarts',
  steps: [
    { id: 'nap', type: 'wait', seconds: 1, next: 'after' },
    { id: 'after', type: 'assign', set: { woke: true } },
  ],
};

interface Setup {
  name: string;
  imports: () => Promise<unknown[]>;
  cleanup: () => Promise<void>;
  /** What `resume` returns: in process once the run took it; with a queue, the halt it queued for. */
  resumeReturns: string[];
}

function sqliteSetup(): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'dw-nest-'));
  return {
    name: 'typeorm on SQLite, forRoot',
    imports: async () => [
      appTypeorm({ sqliteFile: join(dir, 'app.sqlite') }),
      DurableWorkflowModule.forRoot({
        store: { type: 'typeorm' },
        workflows: [invoice, slow, napping],
      }),
    ],
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    resumeReturns: ['running', 'completed'],
  };
}

/** Postgres through the application's TypeORM connection, options from a factory; with a queue or not. */
function postgresSetup({ queue }: { queue: boolean }): Setup {
  const schema = `dw_nest_${randomBytes(4).toString('hex')}`;
  const prefix = `dw-nestq-${randomBytes(4).toString('hex')}`;
  return {
    name: queue
      ? 'typeorm on Postgres with a BullMQ queue from forRootAsync'
      : 'typeorm on Postgres, forRootAsync',
    imports: async () => {
      await adminQuery(`CREATE SCHEMA ${schema}`);
      return [
        appTypeorm({ schema }),
        DurableWorkflowModule.forRootAsync({
          store: { type: 'typeorm' },
          imports: [BillingModule],
          inject: [TaxRates],
          useFactory: async (rates: TaxRates) => ({
            workflows: rates ? [invoice, slow, napping] : [],
            queue: queue
              ? { connection: { url: REDIS_URL }, prefix, leaseMs: 2000, sweepIntervalMs: 500 }
              : undefined,
          }),
        }),
      ];
    },
    cleanup: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      if (queue) await deleteRedisKeys(prefix);
    },
    resumeReturns: queue ? ['halted'] : ['running', 'completed'],
  };
}

function redisSetup(): Setup {
  const prefix = `dw-nest:${randomBytes(4).toString('hex')}`;
  const store: StoreOption = { type: 'redis', url: REDIS_URL, prefix, ttlSeconds: 3600 };
  return {
    name: 'redis, forRoot',
    imports: async () => [
      DurableWorkflowModule.forRoot({ store, workflows: [invoice, slow, napping] }),
    ],
    cleanup: () => deleteRedisKeys(prefix),
    resumeReturns: ['running', 'completed'],
  };
}

function redisQueueSetup(): Setup {
  const prefix = `dw-nestrq-${randomBytes(4).toString('hex')}`;
  return {
    name: 'redis with a BullMQ queue, forRoot',
    imports: async () => [
      DurableWorkflowModule.forRoot({
        store: { type: 'redis', url: REDIS_URL, prefix: `${prefix}-store`, ttlSeconds: 3600 },
        workflows: [invoice, slow, napping],
        queue: { connection: { url: REDIS_URL }, prefix, leaseMs: 2000, sweepIntervalMs: 500 },
      }),
    ],
    cleanup: async () => {
      await deleteRedisKeys(prefix);
      await deleteRedisKeys(`${prefix}-store`);
    },
    resumeReturns: ['halted'],
  };
}

/** Store and queue on a private Redis Cluster, with the clients the application owns. */
function redisClusterQueueSetup(): Setup {
  const cluster = new ScratchRedisCluster();
  const clients: Cluster[] = [];
  return {
    name: 'redis store and BullMQ queue on Redis Cluster, forRoot',
    imports: async () => {
      await cluster.start();
      clients.push(cluster.client(), cluster.client({ maxRetriesPerRequest: null }));
      return [
        DurableWorkflowModule.forRoot({
          store: { type: 'redis', client: clients[0], prefix: '{dw-store}', ttlSeconds: 3600 },
          workflows: [invoice, slow, napping],
          queue: {
            connection: clients[1],
            prefix: '{dw-queue}',
            leaseMs: 2000,
            sweepIntervalMs: 500,
          },
        }),
      ];
    },
    cleanup: async () => {
      await Promise.all(clients.map((client) => client.quit()));
      await cluster.dispose();
    },
    resumeReturns: ['halted'],
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(sql);
  await client.end();
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length) await client.del(...keys);
  await client.quit();
}

describe.each([
  sqliteSetup,
  () => postgresSetup({ queue: false }),
  redisSetup,
  () => postgresSetup({ queue: true }),
  redisQueueSetup,
  redisClusterQueueSetup,
])('DurableWorkflowModule', (makeSetup) => {
  const setup = makeSetup();
  let imports: unknown[];
  let moduleRef: TestingModule;
  let workflows: WorkflowService;

  const boot = async () => {
    const ref = await Test.createTestingModule({
      imports: [BillingModule, ...(imports as never[])],
    }).compile();
    ref.enableShutdownHooks();
    await ref.init();
    return ref;
  };

  beforeAll(async () => {
    imports = await setup.imports();
    moduleRef = await boot();
    workflows = moduleRef.get(WorkflowService);
  });
  afterAll(async () => {
    await moduleRef.close();
    await setup.cleanup();
  });

  it(`${setup.name}: reaches a @WorkflowCallable provider with its own dependencies`, async () => {
    const run = await workflows.run('invoice', { amount: 100 });
    expect(run).toMatchObject({ status: 'completed', result: { total: 121 } });
  });

  it(`${setup.name}: exposes the store behind STORE and @InjectStore(), wrapped for resilience`, () => {
    expect(moduleRef.get(STORE)).toBeInstanceOf(ResilientStore);
    expect(moduleRef.get(StoreUser).store).toBe(moduleRef.get(STORE));
  });

  it(`${setup.name}: start returns at once; wait, resume and resumeNow carry it on`, async () => {
    const started = await workflows.start('invoice', { amount: 5000 });
    expect(started.status).toBe('pending');
    const halted = await workflows.wait(started.id, { timeoutMs: 5000 });
    expect(halted).toMatchObject({ status: 'halted', haltData: { prompt: 'Send 6050?' } });
    const handed = await workflows.resume(started.id, { approved: true });
    expect(setup.resumeReturns).toContain(handed.status);
    expect((await workflows.wait(started.id, { timeoutMs: 5000 })).status).toBe('completed');
    await expect(workflows.resume(started.id, { approved: true })).rejects.toBeInstanceOf(
      ExecutionStateError,
    );

    const second = await workflows.run('invoice', { amount: 5000 });
    expect((await workflows.resumeNow(second.id, { approved: true })).result).toEqual({
      total: 6050,
    });
    expect((await workflows.entries(second.id)).map((e) => e.stepId)).toContain('approve');
    expect(
      (await workflows.find({ workflowId: 'invoice', status: 'completed' })).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it(`${setup.name}: cancels a halted execution and deletes it`, async () => {
    const halted = await workflows.run('invoice', { amount: 5000 });
    expect((await workflows.cancel(halted.id)).status).toBe('cancelled');
    expect(await workflows.delete(halted.id)).toBe(true);
    expect(await workflows.get(halted.id)).toBeNull();
  });

  it(`${setup.name}: cancels a pending execution before its run writes anything`, async () => {
    const started = await workflows.start('slow');
    expect((await workflows.cancel(started.id)).status).toBe('cancelled');
    // A run started after the cancel that has finished: the first one's step had its time too.
    const later = await workflows.start('slow');
    expect((await workflows.wait(later.id, { timeoutMs: 10_000 })).status).toBe('completed');
    expect(await workflows.get(started.id)).toMatchObject({ status: 'cancelled' });
    expect((await workflows.entries(started.id)).map((e) => e.action)).not.toContain('completed');
  });

  it(`${setup.name}: wait gives up with WaitTimeoutError while the execution goes on`, async () => {
    const started = await workflows.start('slow');
    await expect(workflows.wait(started.id, { timeoutMs: 100 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    expect((await workflows.wait(started.id, { timeoutMs: 5000 })).status).toBe('completed');
  });

  it(`${setup.name}: a wait timer survives a restart of the application`, async () => {
    const started = await workflows.start('napping');
    expect((await workflows.wait(started.id, { timeoutMs: 5000 })).status).toBe('halted');
    await moduleRef.close();
    moduleRef = await boot();
    workflows = moduleRef.get(WorkflowService);
    // Still halted right after the restart: the timer armed from the store wakes it. Until it
    // rests again: `running` is only the moment between the timer's two checkpoints.
    const done = await until(
      () => workflows.get(started.id),
      (execution) => ['completed', 'failed'].includes(execution?.status ?? ''),
      { everyMs: 100 },
    );
    expect(done).toMatchObject({ status: 'completed', ctx: { woke: true } });
  });

  it(`${setup.name}: deletes finished executions created before a moment, and only those`, async () => {
    const halted = await workflows.run('invoice', { amount: 5000 });
    expect(halted.status).toBe('halted');
    const finished = await workflows.run('invoice', { amount: 10 });
    expect(finished.status).toBe('completed');
    const later = new Date(Date.now() + 1000);
    expect(await workflows.deleteFinished(later)).toBeGreaterThanOrEqual(1);
    expect(await workflows.get(finished.id)).toBeNull();
    expect(await workflows.entries(finished.id)).toEqual([]);
    expect((await workflows.get(halted.id))?.status).toBe('halted');
    expect(await workflows.find({ status: 'completed' })).toEqual([]);
    expect(await workflows.deleteFinished(later)).toBe(0);
  });
});

describe('a workflow naming an unknown service', () => {
  it('stops the application from starting, naming the workflow, step and service', async () => {
    const broken = {
      id: 'broken',
      name: 'Broken',
      steps: [{ id: 'pay', type: 'call', service: 'payments', method: 'charge' }],
    };
    const client = new Redis(REDIS_URL);
    try {
      const ref = await Test.createTestingModule({
        imports: [
          BillingModule,
          DurableWorkflowModule.forRoot({
            store: {
              type: 'redis',
              client,
              prefix: `dw-nest-broken:${randomBytes(3).toString('hex')}`,
            },
            workflows: [broken],
          }),
        ],
      }).compile();
      const error = await ref.init().then(
        () => null,
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(
        /Workflow "broken": step "pay": service "payments" is not registered/,
      );
    } finally {
      await client.quit();
    }
  });
});

describe('queue options', () => {
  it('refuses invalid values, naming each one, when the module is declared', () => {
    const declare = () =>
      DurableWorkflowModule.forRoot({
        store: { type: 'redis', url: REDIS_URL },
        queue: { connection: { url: REDIS_URL }, concurrency: 0, leaseMs: 10, maxRecoveries: -1 },
      });
    expect(declare).toThrow(/The queue option of DurableWorkflowModule is invalid/);
    expect(declare).toThrow(/queue\.concurrency must be a whole number of at least 1, got 0/);
    expect(declare).toThrow(/queue\.leaseMs must be at least 1000 ms, got 10/);
    expect(declare).toThrow(/queue\.maxRecoveries must be a whole number of at least 0, got -1/);
  });

  it('refuses a Redis Cluster connection with a prefix that has no hash tag', () => {
    // Never connects: the options are checked when the module is declared.
    const connection = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const declare = (prefix?: string) =>
      DurableWorkflowModule.forRoot({
        store: { type: 'redis', url: REDIS_URL },
        queue: { connection, prefix },
      });
    try {
      expect(() => declare()).toThrow(
        /queue\.prefix must contain a hash tag on Redis Cluster, such as "\{bull\}"/,
      );
      expect(() => declare('app:{}')).toThrow(/hash tag/);
      expect(() => declare('{bull}')).not.toThrow();
    } finally {
      connection.disconnect();
    }
  });
});
