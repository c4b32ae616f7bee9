/** The application the fault-injection run kills: a web-only driver and worker-only processes. */
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { setTimeout as delay } from 'node:timers/promises';
import { DurableWorkflowModule, WORKFLOW_MIGRATIONS, WorkflowCallable } from '../../src';
import { DATABASE_URL } from './backends';

export interface FaultsConfig {
  schema: string;
  redisUrl: string;
  prefix: string;
  worker: boolean;
  leaseMs: number;
  sweepIntervalMs: number;
}

/** Steps that take a while, so that kills land in the middle of them. */
@WorkflowCallable('shop')
@Injectable()
export class ShopService {
  async charge(input: { n: number }) {
    await delay(100 + Math.random() * 400);
    return { charged: input.n, pid: process.pid };
  }

  async ship(input: { n: number }) {
    await delay(100 + Math.random() * 400);
    return { shipped: input.n, pid: process.pid };
  }
}

@Module({ providers: [ShopService] })
class ShopModule {}

const call = (id: string, method: string, next?: string) => ({
  id,
  type: 'call',
  service: 'shop',
  method,
  input: { n: '$n' },
  output: id,
  ...(next ? { next } : {}),
});

/** Calls, an approval and a timer; three calls in a row; a timer then a call. */
export const FAULT_WORKFLOWS = [
  {
    id: 'order',
    name: 'Charge, approve, wait, ship',
    inputs: { n: { type: 'number' } },
    steps: [
      call('charge', 'charge', 'approve'),
      { id: 'approve', type: 'approval', prompt: 'Ship $n?', next: 'settle' },
      { id: 'settle', type: 'wait', seconds: 2, next: 'ship' },
      call('ship', 'ship'),
    ],
  },
  {
    id: 'calls',
    name: 'Three calls',
    inputs: { n: { type: 'number' } },
    steps: [call('one', 'charge', 'two'), call('two', 'ship', 'three'), call('three', 'charge')],
  },
  {
    id: 'timer',
    name: 'A wait, then a call',
    inputs: { n: { type: 'number' } },
    steps: [{ id: 'pause', type: 'wait', seconds: 3, next: 'after' }, call('after', 'ship')],
  },
];

export async function bootFaultsApp(config: FaultsConfig): Promise<TestingModule> {
  const ref = await Test.createTestingModule({
    imports: [
      ShopModule as unknown as DynamicModule,
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: DATABASE_URL,
        schema: config.schema,
        autoLoadEntities: true,
        migrations: WORKFLOW_MIGRATIONS,
        migrationsTableName: 'workflow_migrations',
        migrationsRun: !config.worker,
        extra: { max: 8 },
      }),
      DurableWorkflowModule.forRoot({
        store: { type: 'typeorm' },
        workflows: FAULT_WORKFLOWS,
        shutdownGraceMs: 2000,
        queue: {
          connection: { url: config.redisUrl },
          prefix: config.prefix,
          worker: config.worker,
          concurrency: 10,
          leaseMs: config.leaseMs,
          sweepIntervalMs: config.sweepIntervalMs,
        },
      }),
    ],
  }).compile();
  ref.enableShutdownHooks();
  await ref.init();
  return ref;
}
