/** The application the queue benchmark runs: a web-only driver and worker-only processes. */
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DurableWorkflowModule, WORKFLOW_MIGRATIONS } from '../../src';
import { DATABASE_URL, REDIS_URL } from './backends';

export interface QueueBenchConfig {
  /** Where executions are kept: Postgres through TypeORM, or Redis. @defaultValue 'postgres' */
  store?: 'postgres' | 'redis';
  /** @defaultValue the test database */
  databaseUrl?: string;
  /** The Redis of BullMQ, and of the store when it is `redis`. @defaultValue the test Redis */
  redisUrl?: string;
  schema: string;
  prefix: string;
  worker: boolean;
  concurrency: number;
  /** @defaultValue true for the process that only enqueues */
  runMigrations?: boolean;
}

/** Three steps, as a typical short workflow; the approval one measures resume latency. */
export const BENCH_WORKFLOWS = [
  {
    id: 'three',
    name: 'Three steps',
    steps: [
      { id: 'a', type: 'assign', set: { a: 1 }, next: 'b' },
      { id: 'b', type: 'assign', set: { b: 2 }, next: 'c' },
      { id: 'c', type: 'assign', set: { c: 3 } },
    ],
  },
  {
    id: 'gate',
    name: 'Approval, then a step',
    steps: [
      { id: 'ask', type: 'approval', prompt: 'Go?', next: 'after' },
      { id: 'after', type: 'assign', set: { after: true } },
    ],
  },
];

export async function bootQueueBenchApp(config: QueueBenchConfig): Promise<TestingModule> {
  const redisUrl = config.redisUrl ?? REDIS_URL;
  const onRedis = config.store === 'redis';
  const ref = await Test.createTestingModule({
    imports: [
      ...(onRedis
        ? []
        : [
            TypeOrmModule.forRoot({
              type: 'postgres',
              url: config.databaseUrl ?? DATABASE_URL,
              schema: config.schema,
              autoLoadEntities: true,
              migrations: WORKFLOW_MIGRATIONS,
              migrationsTableName: 'workflow_migrations',
              migrationsRun: config.runMigrations ?? !config.worker,
              // Idle connections stay open (pg closes them after 10 s by default): the commit
              // count idles longer than that between its readings, and each connection opened
              // again costs a commit (the server's start-up of it), which is the pool's, not the
              // workflows'.
              extra: { max: Math.max(4, config.concurrency), idleTimeoutMillis: 0 },
            }),
          ]),
      DurableWorkflowModule.forRoot({
        store: onRedis
          ? { type: 'redis', url: redisUrl, prefix: `${config.prefix}-store`, ttlSeconds: 3600 }
          : { type: 'typeorm' },
        workflows: BENCH_WORKFLOWS,
        queue: {
          connection: { url: redisUrl },
          prefix: config.prefix,
          worker: config.worker,
          concurrency: config.concurrency,
        },
      }),
    ],
  }).compile();
  ref.enableShutdownHooks();
  await ref.init();
  return ref;
}
