import { randomUUID } from 'node:crypto';
import type { Entry } from '../../src';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';

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
    const suite = setUpQueueSuite({ name: 'sendcrash', store: storeFor });

    it('leaves the event to the workers, which deliver it exactly once', async () => {
      const { workflows } = suite;
      const key = randomUUID();
      const halted = await workflows.run('awaitEvent', { key });
      expect(halted.status).toBe('halted');

      const eventId = `paid-${key}`;
      const payload = { key, amount: 7 };
      const sender = await suite.startWorker({
        sendEventThenDie: { name: 'crash.test', payload, id: eventId },
      });
      expect(await sender.exited).toBeNull();
      expect((await workflows.get(halted.id))?.status).toBe('halted');

      // Two workers, both looking for events left undelivered: one delivery between them.
      await suite.startWorkers(2);
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
