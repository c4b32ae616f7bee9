import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  DurableWorkflowModule,
  InvalidEventError,
  STORE,
  WorkflowService,
  WorkflowValidationError,
  type DurableWorkflowModuleOptions,
  type DurableWorkflowStore,
} from '../../src';
import { REDIS_URL } from '../support/env';
import { postgresAdmin } from '../support/postgres-admin';
import { appTypeorm } from '../support/typeorm-app';
import { until } from '../support/until';

jest.setTimeout(60_000);

const paid = {
  id: 'paid',
  name: 'Waits for the payment of its order',
  inputs: { orderId: { type: 'string' }, currency: { type: 'string' } },
  steps: [
    {
      id: 'payment',
      type: 'event',
      name: 'payment.received',
      match: { orderId: '$orderId', money: { currency: '$currency' } },
      output: 'payment',
      next: 'done',
    },
    { id: 'done', type: 'end', result: '$payment' },
  ],
};

const twice = {
  id: 'twice',
  name: 'Waits for the same event twice',
  inputs: { key: { type: 'string' } },
  steps: [
    {
      id: 'first',
      type: 'event',
      name: 'tick',
      match: { key: '$key' },
      output: 'a',
      next: 'second',
    },
    {
      id: 'second',
      type: 'event',
      name: 'tick',
      match: { key: '$key' },
      output: 'b',
      next: 'done',
    },
    { id: 'done', type: 'end', result: { a: '$a', b: '$b' } },
  ],
};

const early = {
  id: 'early',
  name: 'Takes an event sent up to a minute before it waits',
  inputs: { key: { type: 'string' } },
  steps: [
    {
      id: 'signal',
      type: 'event',
      name: 'signal',
      match: { key: '$key' },
      lookback: 60,
      output: 'signal',
    },
  ],
};

const late = {
  id: 'late',
  name: 'Gives up waiting after a second',
  steps: [
    {
      id: 'reply',
      type: 'event',
      name: 'never.sent',
      timeout: 1,
      on_timeout: 'gave_up',
      output: 'reply',
      next: 'done',
    },
    { id: 'done', type: 'assign', set: { replied: true } },
    { id: 'gave_up', type: 'assign', set: { gaveUp: true } },
  ],
};

const strict = {
  id: 'strict',
  name: 'Fails when no event comes within a second',
  steps: [{ id: 'reply', type: 'event', name: 'never.sent', timeout: 1 }],
};

const WORKFLOWS = [paid, twice, early, late, strict];

interface Setup {
  name: string;
  options: () => Promise<DurableWorkflowModuleOptions & { imports?: unknown[] }>;
  cleanup: () => Promise<void>;
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  const keys = await client.keys(`${prefix}*`);
  if (keys.length) await client.del(...keys);
  await client.quit();
}

function queueOption(prefix: string) {
  return { connection: { url: REDIS_URL }, prefix, leaseMs: 2000, sweepIntervalMs: 500 };
}

function sqliteSetup(queue: boolean): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'dw-events-'));
  const prefix = `dw-evq-${randomBytes(4).toString('hex')}`;
  return {
    name: `sqlite${queue ? ' with a queue' : ', in process'}`,
    options: async () => ({
      imports: [appTypeorm({ sqliteFile: join(dir, 'app.sqlite') })],
      store: { type: 'typeorm' },
      workflows: WORKFLOWS,
      queue: queue ? queueOption(prefix) : undefined,
    }),
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      if (queue) await deleteRedisKeys(prefix);
    },
  };
}

function postgresSetup(queue: boolean): Setup {
  const schema = `dw_events_${randomBytes(4).toString('hex')}`;
  const prefix = `dw-evq-${randomBytes(4).toString('hex')}`;
  return {
    name: `postgres${queue ? ' with a queue' : ', in process'}`,
    options: async () => {
      await postgresAdmin(`CREATE SCHEMA ${schema}`);
      return {
        imports: [appTypeorm({ schema })],
        store: { type: 'typeorm' },
        workflows: WORKFLOWS,
        queue: queue ? queueOption(prefix) : undefined,
      };
    },
    cleanup: async () => {
      await postgresAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      if (queue) await deleteRedisKeys(prefix);
    },
  };
}

function redisSetup(queue: boolean): Setup {
  const prefix = `dw-events-${randomBytes(4).toString('hex')}`;
  return {
    name: `redis${queue ? ' with a queue' : ', in process'}`,
    options: async () => ({
      store: { type: 'redis', url: REDIS_URL, prefix: `${prefix}-store`, ttlSeconds: 3600 },
      workflows: WORKFLOWS,
      queue: queue ? queueOption(`${prefix}-queue`) : undefined,
    }),
    cleanup: () => deleteRedisKeys(prefix),
  };
}

describe.each([
  sqliteSetup(false),
  postgresSetup(false),
  redisSetup(false),
  sqliteSetup(true),
  postgresSetup(true),
  redisSetup(true),
])('events: $name', (setup) => {
  let moduleRef: TestingModule;
  let workflows: WorkflowService;

  beforeAll(async () => {
    const { imports = [], ...options } = await setup.options();
    moduleRef = await Test.createTestingModule({
      imports: [...(imports as never[]), DurableWorkflowModule.forRoot(options)],
    }).compile();
    moduleRef.enableShutdownHooks();
    await moduleRef.init();
    workflows = moduleRef.get(WorkflowService);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await setup.cleanup();
  });

  /** Waits for the execution to leave its halt (a timer firing), watching its changes. */
  const leftHalt = (executionId: string) =>
    until(
      () => workflows.wait(executionId, { timeoutMs: 15_000 }),
      (execution) => execution.status !== 'halted',
      { everyMs: 100 },
    );

  const halted = async (workflowId: string, input: Record<string, unknown> = {}) => {
    const execution = await workflows.run(workflowId, input);
    expect(execution.status).toBe('halted');
    return execution;
  };

  it('delivers to the executions whose match the payload deep-equals, references resolved', async () => {
    const order = randomUUID();
    const mine = await halted('paid', { orderId: order, currency: 'EUR' });
    const other = await halted('paid', { orderId: randomUUID(), currency: 'EUR' });
    expect(mine.haltData).toMatchObject({
      type: 'event',
      name: 'payment.received',
      match: { orderId: order, money: { currency: 'EUR' } },
    });

    const wrongCurrency = { orderId: order, money: { currency: 'USD' }, amount: 5 };
    expect(await workflows.sendEvent('payment.received', wrongCurrency)).toEqual({ delivered: [] });
    const payment = { amount: 12, money: { currency: 'EUR' }, orderId: order };
    expect(await workflows.sendEvent('payment.received', payment)).toEqual({
      delivered: [mine.id],
    });

    const done = await workflows.wait(mine.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: 'completed', result: payment });
    expect((await workflows.get(other.id))?.status).toBe('halted');
    // Left waiting, it no longer appears in the index under the delivered key.
    expect(await workflows.sendEvent('payment.received', payment)).toEqual({ delivered: [] });
  });

  it('is passed by a fork with the payload it received', async () => {
    const order = randomUUID();
    const source = await halted('paid', { orderId: order, currency: 'EUR' });
    const payment = { amount: 7, money: { currency: 'EUR' }, orderId: order };
    await workflows.sendEvent('payment.received', payment);
    expect(await workflows.wait(source.id, { timeoutMs: 10_000 })).toMatchObject({
      status: 'completed',
    });
    const fork = await workflows.fork(source.id, { fromStep: 'done' });
    const done = await workflows.wait(fork.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ status: 'completed', result: payment });
  });

  it('delivers each event id at most once to an execution, however often it is sent', async () => {
    const key = randomUUID();
    const execution = await halted('twice', { key });
    const [a, b] = await Promise.all([
      workflows.sendEvent('tick', { key, n: 1 }, { id: `one-${key}` }),
      workflows.sendEvent('tick', { key, n: 1 }, { id: `one-${key}` }),
    ]);
    // Both calls may name it (each saw it get the event); it got the event once.
    expect(new Set([...a.delivered, ...b.delivered])).toEqual(new Set([execution.id]));
    const atSecond = await workflows.wait(execution.id, { timeoutMs: 10_000 });
    expect(atSecond).toMatchObject({ status: 'halted', currentStep: 'second' });
    const firsts = (await workflows.entries(execution.id)).filter(
      (e) => e.stepId === 'first' && e.action === 'completed',
    );
    expect(firsts).toHaveLength(1);

    // Waiting again for the same event name: the same id is not given again.
    expect(await workflows.sendEvent('tick', { key, n: 1 }, { id: `one-${key}` })).toEqual({
      delivered: [],
    });
    expect(await workflows.sendEvent('tick', { key, n: 2 }, { id: `two-${key}` })).toEqual({
      delivered: [execution.id],
    });
    const done = await workflows.wait(execution.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({
      status: 'completed',
      result: { a: { key, n: 1 }, b: { key, n: 2 } },
    });
  });

  it('delivers an event sent before the wait within its lookback, and not without one', async () => {
    const key = randomUUID();
    expect(await workflows.sendEvent('signal', { key, go: true })).toEqual({ delivered: [] });
    const taken = await workflows.run('early', { key });
    expect(taken).toMatchObject({ status: 'completed', ctx: { signal: { key, go: true } } });
    const entries = await workflows.entries(taken.id);
    expect(entries.filter((e) => e.action === 'halted')).toEqual([]);

    const order = randomUUID();
    await workflows.sendEvent('payment.received', { orderId: order, money: { currency: 'EUR' } });
    const waiting = await halted('paid', { orderId: order, currency: 'EUR' });
    expect((await workflows.get(waiting.id))?.status).toBe('halted');
  });

  it('moves on to on_timeout when no event came in time', async () => {
    const execution = await halted('late');
    expect(execution.haltData?.['expires_at']).toEqual(expect.any(String));
    const done = await leftHalt(execution.id);
    expect(done).toMatchObject({ status: 'completed', ctx: { gaveUp: true } });
    expect(done.ctx['replied']).toBeUndefined();
  });

  it('fails the step on timeout without on_timeout', async () => {
    const execution = await halted('strict');
    const done = await leftHalt(execution.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/no event "never.sent" matched within 1 s/);
  });

  it('forgets a cancelled wait', async () => {
    const key = randomUUID();
    const execution = await halted('twice', { key });
    await workflows.cancel(execution.id);
    expect(await workflows.sendEvent('tick', { key })).toEqual({ delivered: [] });
  });

  it('refuses a bad event name or id, naming the problem', async () => {
    await expect(workflows.sendEvent('has space', {})).rejects.toThrow(InvalidEventError);
    await expect(workflows.sendEvent('ok', {}, { id: '' })).rejects.toThrow(/"id" must be/);
    const id = randomUUID();
    await workflows.sendEvent('first.name', {}, { id });
    await expect(workflows.sendEvent('second.name', {}, { id })).rejects.toThrow(
      /was sent before as event "first.name"/,
    );
  });
});

describe('events: a lookback longer than events are kept', () => {
  it('refuses to start, naming the step and the retention', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-events-'));
    try {
      const ref = await Test.createTestingModule({
        imports: [
          appTypeorm({ sqliteFile: join(dir, 'app.sqlite') }),
          DurableWorkflowModule.forRoot({
            store: { type: 'typeorm' },
            workflows: [early],
            events: { retentionSeconds: 30 },
          }),
        ],
      }).compile();
      const started = ref.init();
      await expect(started).rejects.toThrow(WorkflowValidationError);
      await expect(started).rejects.toThrow(/step "signal": "lookback" is 60 s/);
      await ref.close().catch(() => undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('events in process: an event kept by a process that stopped before delivering it', () => {
  it('is delivered by the next start, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-events-'));
    const boot = async () => {
      const ref = await Test.createTestingModule({
        imports: [
          appTypeorm({ sqliteFile: join(dir, 'app.sqlite') }),
          DurableWorkflowModule.forRoot({ store: { type: 'typeorm' }, workflows: WORKFLOWS }),
        ],
      }).compile();
      await ref.init();
      return ref;
    };
    try {
      const first = await boot();
      const orderId = randomUUID();
      const waiting = await first.get(WorkflowService).run('paid', { orderId, currency: 'EUR' });
      // What sendEvent does first, as a process killed right after it would leave it.
      const store = first.get<DurableWorkflowStore>(STORE);
      const payload = { orderId, money: { currency: 'EUR' } };
      await store.acceptEvent({
        id: `kept-${orderId}`,
        name: 'payment.received',
        payload,
        sentAt: new Date(),
      });
      await first.close();

      const second = await boot();
      const workflows = second.get(WorkflowService);
      const delivered = await until(
        () => workflows.wait(waiting.id, { timeoutMs: 10_000 }),
        (execution) => execution.status !== 'halted',
      );
      expect(delivered).toMatchObject({ status: 'completed', result: payload });
      const entries = await workflows.entries(waiting.id);
      expect(
        entries.filter((e) => e.stepId === 'payment' && e.action === 'completed'),
      ).toHaveLength(1);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
