import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { REDIS_URL } from './env';
import { postgresAdmin } from './postgres-admin';
import type { WorkerProcess } from './worker-process';

/** Removes what a queue-mode suite made: worker processes, its web app, schemas and Redis keys. */
export async function tearDownQueueSuite(made: {
  workers: readonly (WorkerProcess | undefined)[];
  web: TestingModule | undefined;
  schemas: readonly string[];
  prefix: string;
}): Promise<void> {
  await Promise.all(made.workers.map((worker) => worker?.stop('SIGKILL')));
  await made.web?.close();
  for (const schema of made.schemas) await postgresAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${made.prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}
