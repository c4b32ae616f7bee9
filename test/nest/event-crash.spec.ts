import { randomUUID } from 'node:crypto';
import type { Entry } from '../../src';
import { setUpQueueSuite } from '../support/queue-suite';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * An event's delivery is an accepted resume: once `sendEvent` returned an execution among those
 * delivered, the worker applying it may be killed and the delivery still happens, once.
 */
describe('queue mode: a delivered event whose worker is killed', () => {
  const suite = setUpQueueSuite({ name: 'evcrash' });

  it('is applied by another worker, neither lost nor doubled, and not given again', async () => {
    const { workflows } = suite;
    const key = randomUUID();
    const halted = await workflows.run('awaitEvent', { key });
    expect(halted.status).toBe('halted');

    const dying = await suite.startWorker({ dieOnResume: true });
    const eventId = `paid-${key}`;
    const payload = { key, amount: 3 };
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [halted.id],
    });
    expect(await dying.exited).toBeNull();
    // Accepted and not yet applied: the same event again is not a second delivery.
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [],
    });

    const healthy = await suite.startWorker();
    const done = await workflows.wait(halted.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.ctx['heard']).toEqual(payload);
    expect((done.ctx['after'] as { pid: number }).pid).toBe(healthy.pid);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'hear', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
    expect(await workflows.sendEvent('crash.test', payload, { id: eventId })).toEqual({
      delivered: [],
    });
    await healthy.stop();
  });
});
