import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { DurableWorkflowModule, WorkflowHealthIndicator } from '../../src';
import { postgresAdmin } from '../support/postgres-admin';
import { queueAppImports, type QueueAppConfig } from '../support/queue-app';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { ScratchRedisServer } from '../support/redis-server';
import { until } from '../support/until';

jest.setTimeout(60_000);

/** What a `/health` endpoint answers: terminus's body, whether up (200) or down (503). */
async function healthOf(app: TestingModule): Promise<Record<string, unknown>> {
  const health = app.get(HealthCheckService);
  const indicator = app.get(WorkflowHealthIndicator);
  try {
    return (await health.check([() => indicator.isHealthy('workflows')])) as never;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    return error.getResponse() as Record<string, unknown>;
  }
}

async function bootWithTerminus(imports: TestingModule['constructor'][] | unknown[]) {
  const app = await Test.createTestingModule({
    imports: [...(imports as never[]), TerminusModule.forRoot({ logger: false })],
  }).compile();
  await app.init();
  return app;
}

describe('WorkflowHealthIndicator, in queue mode', () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `dw_health_${suffix}`;
  const made: { app: TestingModule; prefix: string }[] = [];

  async function boot(prefix: string, worker: boolean): Promise<TestingModule> {
    const config: QueueAppConfig = { schema, prefix, worker, runMigrations: true };
    const app = await bootWithTerminus(queueAppImports(config));
    made.push({ app, prefix });
    return app;
  }

  beforeAll(() => postgresAdmin(`CREATE SCHEMA ${schema}`));
  afterAll(async () => {
    for (const { app, prefix } of made)
      await tearDownQueueSuite({ workers: [], web: app, schemas: [], prefix });
    await postgresAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('is up while a worker takes the queue, and down once none was seen for leaseMs', async () => {
    const prefix = `dwh-${suffix}-shared`;
    const web = await boot(prefix, false);
    const worker = await boot(prefix, true);
    expect(await healthOf(web)).toMatchObject({
      status: 'ok',
      info: {
        workflows: {
          status: 'up',
          store: { status: 'up' },
          queue: { status: 'up' },
          workers: { status: 'up', alive: 1 },
        },
      },
    });

    await worker.close();
    // Seen less than leaseMs (2000 ms here) ago: a restart does not take the process out of service.
    expect(await healthOf(web)).toMatchObject({
      status: 'ok',
      info: { workflows: { workers: { status: 'up', alive: 0 } } },
    });
    const later = await until(
      () => healthOf(web),
      (health) => health['status'] !== 'ok',
      { withinMs: 10_000, everyMs: 100 },
    );
    expect(later).toMatchObject({
      status: 'error',
      error: { workflows: { status: 'down', workers: { status: 'down', alive: 0 } } },
    });
    const workers = (later as { error: { workflows: { workers: { lastSeenMsAgo: number } } } })
      .error.workflows.workers;
    expect(workers.lastSeenMsAgo).toBeGreaterThanOrEqual(2000);
  });

  it('is down when no worker process ever took the queue, saying so', async () => {
    const app = await boot(`dwh-${suffix}-alone`, false);
    expect(await healthOf(app)).toMatchObject({
      status: 'error',
      error: {
        workflows: {
          status: 'down',
          store: { status: 'up' },
          queue: { status: 'up' },
          workers: { status: 'down', alive: 0 },
        },
      },
    });
  });
});

describe('WorkflowHealthIndicator, in process on a Redis store', () => {
  const server = new ScratchRedisServer();
  let app: TestingModule;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await server.start();
    app = await bootWithTerminus([
      DurableWorkflowModule.forRoot({
        store: { type: 'redis', url: server.url, prefix: 'health' },
        workflows: [],
      }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await server.dispose();
    jest.restoreAllMocks();
  });

  it('is down while the store is down, naming it, and up once it answers again', async () => {
    expect(await healthOf(app)).toMatchObject({
      status: 'ok',
      info: { workflows: { status: 'up', workers: { alive: 'this process' } } },
    });
    expect((await healthOf(app))['info']).not.toHaveProperty('workflows.queue');

    await server.stop();
    const down = await healthOf(app);
    expect(down).toMatchObject({
      status: 'error',
      error: { workflows: { status: 'down', store: { status: 'down' } } },
    });
    expect(JSON.stringify(down)).toMatch(/"store":\{"status":"down","error":"[^"]+"/);

    await server.start();
    const again = await until(
      () => healthOf(app),
      (health) => health['status'] === 'ok',
      { withinMs: 10_000, everyMs: 100 },
    );
    expect(again).toMatchObject({ status: 'ok', info: { workflows: { status: 'up' } } });
  });
});
