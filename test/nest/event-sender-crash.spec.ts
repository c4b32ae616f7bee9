import type { TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowService, type Entry } from '../../src';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { QUEUE_STORES, removeQueueStore } from '../support/queue-stores';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * The worst moment for a sender: the store kept the event, and no delivery was handed off. The
 * workers' processes deliver it again, once, without the event being sent again.
 */
describe.each(QUEUE_STORES)(
  'queue mode on %s: a sender killed once its event is kept',
  (_name, storeFor) => {
    const tag = randomBytes(4).toString('hex');
    const config: Omit<QueueAppConfig, 'worker'> = {
      schema: `dw_sendcrash_${tag}`,
      prefix: `dwsc-${tag}`,
      leaseMs: 2000,
      sweepIntervalMs: 500,
      store: storeFor(tag),
    };
    let web: TestingModule;
    let workflows: WorkflowService;
    const started: WorkerProcess[] = [];

    beforeAll(async () => {
      await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
      web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
      workflows = web.get(WorkflowService);
    });

    afterAll(async () => {
      await tearDownQueueSuite({
        workers: started,
        web,
        schemas: [config.schema],
        prefix: config.prefix,
      });
      await removeQueueStore(config as QueueAppConfig);
    });

    it('leaves the event to the workers, which deliver it exactly once', async () => {
      const key = randomUUID();
      const halted = await workflows.run('awaitEvent', { key });
      expect(halted.status).toBe('halted');

      const eventId = `paid-${key}`;
      const payload = { key, amount: 7 };
      const sender = await WorkerProcess.start({
        ...config,
        sendEventThenDie: { name: 'crash.test', payload, id: eventId },
      });
      started.push(sender);
      expect(await sender.exited).toBeNull();
      expect((await workflows.get(halted.id))?.status).toBe('halted');

      // Two workers, both looking for events left undelivered: one delivery between them.
      started.push(...(await WorkerProcess.startMany(2, config)));
      const done = await workflows.wait(halted.id, { timeoutMs: 60_000 });
      expect(done.status).toBe('completed');
      expect(done.ctx['heard']).toEqual(payload);
      expect(done.runtime?.events).toEqual([eventId]);
      const entries = await workflows.entries(halted.id);
      expect(count(entries, 'hear', 'completed')).toBe(1);
      expect(count(entries, 'after', 'completed')).toBe(1);
      // Sent again, it is recognised: nothing is delivered twice.
      expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
        delivered: [],
      });
    });
  },
);
