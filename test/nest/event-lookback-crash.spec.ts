import { randomUUID } from 'node:crypto';
import type { Entry } from '../../src';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';

jest.setTimeout(120_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * An event sent after an `event` step looked for kept ones, and before its halt indexed the wait,
 * finds no waiter: the catch-up after the halt is what delivers it. A worker killed the moment that
 * halt is written leaves the delivery to another worker, which makes it once.
 */
describe.each(QUEUE_STORES)(
  'queue mode on %s: a worker killed right after halting at an event step',
  (_name, storeFor) => {
    const suite = setUpQueueSuite({ name: 'lookcrash', store: storeFor });

    it('leaves the event sent before the wait to another worker, delivered exactly once', async () => {
      const { workflows } = suite;
      const key = randomUUID();
      const eventId = `racing-${key}`;
      const payload = { key, amount: 5 };
      const dying = await suite.startWorker({
        sendBeforeEventHaltThenDie: { name: 'crash.recent', payload, id: eventId },
      });
      const started = await workflows.start('awaitRecentEvent', { key });
      expect(await dying.exited).toBeNull();
      const left = await workflows.get(started.id);
      expect(left?.status).toBe('halted');
      expect(left?.runtime?.events).toBeUndefined();

      // Two workers, both sweeping: one delivery between them.
      const healthy = await suite.startWorkers(2);
      const done = await workflows.wait(started.id, { timeoutMs: 60_000 });
      expect(done.status).toBe('completed');
      expect(done.ctx['heard']).toEqual(payload);
      expect(done.runtime?.events).toEqual([eventId]);
      expect(healthy.map((worker) => worker.pid)).toContain(
        (done.ctx['after'] as { pid: number }).pid,
      );
      const entries = await workflows.entries(started.id);
      expect(count(entries, 'hear', 'completed')).toBe(1);
      expect(count(entries, 'after', 'completed')).toBe(1);
      expect(await workflows.sendEvent('crash.recent', payload, { id: eventId })).toEqual({
        delivered: [],
      });
    });
  },
);
