import type { Entry } from '../../src';
import { setUpQueueSuite } from '../support/queue-suite';
import { until } from '../support/until';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * A resume is accepted in the store before its job is queued: a worker killed while holding the
 * job, before the first checkpoint, loses nothing, however often it happens, because the recovery
 * sweep finds the halted execution whose lease expired and applies the resume it keeps.
 */
describe('queue mode: an accepted resume whose workers are killed', () => {
  const suite = setUpQueueSuite({ name: 'lost' });
  const startWorker = (dieOnResume: boolean) => suite.startWorker({ dieOnResume });

  it('completes the approval after the worker holding its resume is killed twice', async () => {
    const { workflows } = suite;
    const halted = await workflows.run('approve');
    expect(halted.status).toBe('halted');

    const first = await startWorker(true);
    await workflows.resume(halted.id, { approved: true });
    expect(await first.exited).toBeNull();
    // The second one takes the job back (BullMQ's stalled check) or the sweep's recovery, and dies too.
    const second = await startWorker(true);
    expect(await second.exited).toBeNull();
    expect((await workflows.get(halted.id))?.status).toBe('halted');

    const healthy = await startWorker(false);
    const done = await workflows.wait(halted.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect((done.ctx['after'] as { pid: number }).pid).toBe(healthy.pid);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'ask', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
    await healthy.stop();
  });

  it('fails the execution with RecoveryLimitError once a resume killed its worker more than maxRecoveries times', async () => {
    const { workflows } = suite;
    const halted = await workflows.run('approve');
    await workflows.resume(halted.id, { approved: true });
    const failed = () =>
      until(
        () => workflows.get(halted.id),
        (e) => e?.status === 'failed',
        { everyMs: 200 },
      );
    let outcome = await workflows.get(halted.id);
    // Each worker dies applying the resume (its job, BullMQ's re-delivery, or a recovery), until a
    // recovery past the limit fails the execution instead of applying it.
    for (let worker = 0; worker < 6 && outcome?.status === 'halted'; worker++) {
      const dying = await suite.startWorker({ dieOnResume: true, maxRecoveries: 1 });
      await Promise.race([dying.exited, failed()]);
      outcome = await workflows.get(halted.id);
    }
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(/taken over 1 time at step "ask"/);
    const entries = await workflows.entries(halted.id);
    expect(count(entries, 'ask', 'failed')).toBe(1);
    expect(count(entries, 'after', 'started')).toBe(0);
  });

  it('refuses a second resume of a halt whose accepted resume is not yet applied', async () => {
    const { workflows } = suite;
    // No worker runs: the accepted resume waits in the store and in its job.
    const halted = await workflows.run('approve');
    await workflows.resume(halted.id, { approved: true });
    await expect(workflows.resume(halted.id, { approved: false })).rejects.toThrow(
      /already being resumed/,
    );
    expect((await workflows.get(halted.id))?.status).toBe('halted');
  });
});
