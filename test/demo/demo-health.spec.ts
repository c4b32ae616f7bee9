import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoAppModule } from '../../demo/app.module';
import { demoConfig } from '../../demo/demo-config';
import { ScratchRedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

/** The demo's `GET /health`, as a readiness probe calls it. */
describe('the demo /health', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-demo-health-'));
  const redis = new ScratchRedisServer();
  const apps: INestApplication[] = [];

  async function demo(env: NodeJS.ProcessEnv): Promise<string> {
    const config = demoConfig({ SQLITE_FILE: join(dir, `${apps.length}.sqlite`), ...env });
    const ref = await Test.createTestingModule({
      imports: [DemoAppModule.register(config, { http: true })],
    }).compile();
    const app = ref.createNestApplication({ logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  }

  async function health(base: string): Promise<{ status: number; body: Record<string, never> }> {
    const response = await fetch(`${base}/health`);
    return { status: response.status, body: (await response.json()) as Record<string, never> };
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is up (200) for the demo running in one process', async () => {
    const { status, body } = await health(await demo({}));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', info: { workflows: { status: 'up' } } });
  });

  it('is down (503) for a web process with no worker, then with its queue gone', async () => {
    await redis.start();
    const base = await demo({ REDIS_URL: redis.url, WORKER: 'false', CONNECT_TIMEOUT_MS: '3000' });
    const noWorker = await health(base);
    expect(noWorker.status).toBe(503);
    expect(noWorker.body).toMatchObject({
      status: 'error',
      error: { workflows: { queue: { status: 'up' }, workers: { status: 'down', alive: 0 } } },
    });

    await redis.stop();
    const noQueue = await health(base);
    expect(noQueue.status).toBe(503);
    expect(noQueue.body).toMatchObject({
      error: { workflows: { store: { status: 'up' }, queue: { status: 'down' } } },
    });
    // Back up, so the app's queue connections close rather than wait for Redis.
    await redis.start();
  });
});
