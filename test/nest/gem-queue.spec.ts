import { Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableWorkflowModule, WorkflowService, type Execution } from '../../src';
import {
  OrderInventoryService,
  OrderService,
  PaymentService,
  ShippingService,
} from '../fixtures/gem/services';
import { REDIS_URL } from '../support/env';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { appTypeorm } from '../support/typeorm-app';
import { until } from '../support/until';

/**
 * The gem's order fulfilment example with its services as @WorkflowCallable providers, and a
 * workflow step's timeout on a halted child, in a Nest application: in process on SQLite, on BullMQ
 * workers with Postgres and with Redis.
 */
@Module({ providers: [OrderService, OrderInventoryService, PaymentService, ShippingService] })
class ShopModule {}

const workflows = [
  join(__dirname, '../fixtures/gem/order_fulfillment.yml'),
  {
    id: 'waits_on_approval',
    name: 'Waits on an approval',
    steps: [
      {
        id: 'child',
        type: 'workflow',
        workflow_id: 'needs_approval',
        timeout: 1,
        on_error: 'gave_up',
        next: 'done',
      },
      { id: 'done', type: 'end', result: 'approved' },
      { id: 'gave_up', type: 'end', result: '$_last_error.name' },
    ],
  },
  { id: 'needs_approval', name: 'Needs approval', steps: [{ id: 'review', type: 'approval' }] },
];

interface Setup {
  name: string;
  imports(): Promise<unknown[]>;
  /** What the suite made, for tearDownQueueSuite: Postgres schemas, and the prefix of its Redis keys. */
  schemas: string[];
  prefix: string;
  cleanup?(): void;
}

const queueOptions = (prefix: string) => ({
  connection: { url: REDIS_URL },
  prefix,
  leaseMs: 2000,
  sweepIntervalMs: 500,
});

const setups: (() => Setup)[] = [
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-gem-'));
    return {
      name: 'SQLite, in process',
      imports: async () => [
        appTypeorm({ sqliteFile: join(dir, 'app.sqlite') }),
        DurableWorkflowModule.forRoot({ store: { type: 'typeorm' }, workflows }),
      ],
      schemas: [],
      prefix: `dw-gem-unused-${randomBytes(4).toString('hex')}`,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  () => {
    const schema = `dw_gem_${randomBytes(4).toString('hex')}`;
    const prefix = `dw-gemq-${randomBytes(4).toString('hex')}`;
    return {
      name: 'Postgres, BullMQ queue',
      imports: async () => {
        await postgresAdmin(`CREATE SCHEMA ${schema}`);
        return [
          appTypeorm({ schema }),
          DurableWorkflowModule.forRoot({
            store: { type: 'typeorm' },
            workflows,
            queue: queueOptions(prefix),
          }),
        ];
      },
      schemas: [schema],
      prefix,
    };
  },
  () => {
    const prefix = `dw-gemr-${randomBytes(4).toString('hex')}`;
    return {
      name: 'Redis, BullMQ queue',
      imports: async () => [
        DurableWorkflowModule.forRoot({
          store: { type: 'redis', url: REDIS_URL, prefix: `${prefix}:store`, ttlSeconds: 3600 },
          workflows,
          queue: queueOptions(prefix),
        }),
      ],
      schemas: [],
      prefix,
    };
  },
];

describe.each(setups)('gem documents in a Nest application', (makeSetup) => {
  const setup = makeSetup();
  let moduleRef: TestingModule;
  let service: WorkflowService;

  beforeAll(async () => {
    const imports = await setup.imports();
    moduleRef = await Test.createTestingModule({
      imports: [ShopModule, ...(imports as never[])],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(WorkflowService);
  });
  afterAll(async () => {
    await tearDownQueueSuite({
      workers: [],
      web: moduleRef,
      schemas: setup.schemas,
      prefix: setup.prefix,
    });
    setup.cleanup?.();
  });

  /** Until the execution leaves `status` (a timer or a worker moves it on). */
  async function leaves(id: string, status: Execution['status']): Promise<Execution> {
    const execution = await until(
      () => service.get(id),
      (found) => found !== null && found.status !== status,
      { withinMs: 15_000 },
    );
    if (!execution || execution.status === status) {
      throw new Error(`execution ${id} stayed ${status}`);
    }
    return execution;
  }

  it(`${setup.name}: order fulfilment halts for approval and ships once approved`, async () => {
    const started = await service.start('order_fulfillment', {
      order_id: 'ORD-9',
      customer: { email: 'a@example.com', address: { city: 'Ghent', state: 'VOV' } },
      items: [{ product_id: 'PROD-004', quantity: 10, price: 199.99 }],
      payment: { method: 'card', token: 'tok' },
    });
    const halted = await service.wait(started.id, { timeoutMs: 10_000 });
    expect(halted).toMatchObject({ status: 'halted', haltData: { type: 'approval' } });
    await service.resume(started.id, { approved: true });
    // In queue mode the resume returns once a worker accepted it: the execution may still be halted.
    await leaves(started.id, 'halted');
    const final = await service.wait(started.id, { timeoutMs: 10_000 });
    expect(final.result).toMatchObject({ order_id: 'ORD-9', status: 'completed' });
    expect(final.ctx['approved']).toBe(true);
    expect(final.ctx['input']).toMatchObject({ order_id: 'ORD-9' });
  });

  it(`${setup.name}: a workflow step's timeout fires on a halted child`, async () => {
    const started = await service.start('waits_on_approval');
    const halted = await service.wait(started.id, { timeoutMs: 10_000 });
    expect(halted.status).toBe('halted');
    const childId = String(halted.haltData?.['child_execution_id']);
    const moved = await leaves(started.id, 'halted');
    const final =
      moved.status === 'completed' ? moved : await service.wait(started.id, { timeoutMs: 10_000 });
    expect(final.result).toBe('SubWorkflowTimeoutError');
    expect((await service.get(childId))?.status).toBe('cancelled');
  });
});
