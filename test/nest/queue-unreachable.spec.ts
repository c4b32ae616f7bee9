import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DurableWorkflowModule, QueueUnavailableError, WorkflowService } from '../../src';
import { REDIS_URL } from '../support/env';
import { ScratchRedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

const tally = {
  id: 'tally',
  name: 'One step',
  steps: [{ id: 'done', type: 'end', result: 1 }],
};

/**
 * The queue's Redis (a scratch server the test stops) unreachable: start-up fails within
 * connectTimeoutMs naming the setting, and a web process refuses a start at once, writing nothing.
 */
describe('queue mode: the queue is unreachable', () => {
  const server = new ScratchRedisServer();
  const storePrefix = `dw-unreachable-${randomBytes(4).toString('hex')}`;
  const opened: TestingModule[] = [];

  const boot = async (connectTimeoutMs: number) => {
    const ref = await Test.createTestingModule({
      imports: [
        DurableWorkflowModule.forRoot({
          store: { type: 'redis', url: REDIS_URL, prefix: storePrefix, ttlSeconds: 3600 },
          workflows: [tally],
          queue: {
            connection: { url: server.url },
            prefix: 'dw-unreachable',
            worker: false,
            connectTimeoutMs,
          },
        }),
      ],
    }).compile();
    opened.push(ref);
    await ref.init();
    return ref;
  };

  beforeAll(() => server.start());
  afterAll(async () => {
    for (const ref of opened) await ref.close().catch(() => undefined);
    await server.dispose();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${storePrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('refuses a start with QueueUnavailableError and saves nothing while Redis is down', async () => {
    const workflows = (await boot(5000)).get(WorkflowService);
    await server.stop();
    await expect(workflows.start('tally')).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(await workflows.find({ workflowId: 'tally' })).toEqual([]);
    await server.start();
  });

  it('fails start-up within connectTimeoutMs, naming REDIS_URL, when Redis is down', async () => {
    await server.stop();
    const failed = await boot(1500).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(QueueUnavailableError);
    expect((failed as Error).message).toContain('REDIS_URL');
    await server.start();
  });
});
