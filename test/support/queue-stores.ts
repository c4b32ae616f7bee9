import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_URL } from './env';
import type { QueueAppConfig } from './queue-app';

/** Each store the queue test app can keep executions in, for `describe.each`. */
export const QUEUE_STORES: [string, (tag: string) => NonNullable<QueueAppConfig['store']>][] = [
  ['postgres', () => ({ type: 'postgres' })],
  ['sqlite', (tag) => ({ type: 'sqlite', file: join(tmpdir(), `dw-queue-${tag}.sqlite`) })],
  ['redis', () => ({ type: 'redis' })],
];

/** Removes what the queue app's store kept outside the Postgres schema and queue keys. */
export async function removeQueueStore(config: QueueAppConfig): Promise<void> {
  const store = config.store;
  if (store?.type === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(store.file + suffix, { force: true });
  }
  if (store?.type === 'redis') {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${config.prefix}-store:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}
