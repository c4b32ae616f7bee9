import { join } from 'node:path';
import type { Entry } from '../../src';
import { setUpQueueSuite } from '../support/queue-suite';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

describe('queue mode: custom steps on worker processes', () => {
  const suite = setUpQueueSuite({ name: 'custom', workers: 2 });

  it('runs a custom step again on another worker when its worker is killed mid-step', async () => {
    const { workflows } = suite;
    const markFile = join(suite.dir, 'hang');
    const started = await workflows.start('custom_hang', { markFile });
    const victim = await suite.workerThatMarked(markFile);
    await victim.stop('SIGKILL');

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { began: true, ended: true } });
    const probe = done.ctx['probe'] as { pid: number };
    expect(probe.pid).not.toBe(victim.pid);
    expect(suite.workers.map((w) => w.pid)).toContain(probe.pid);
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'before', 'completed')).toBe(1);
    expect(count(entries, 'probe', 'started')).toBe(2);
    expect(count(entries, 'probe', 'completed')).toBe(1);
    expect(entries.filter((e) => e.stepId === 'probe').map((e) => e.stepType)).toEqual([
      'lab_step',
      'lab_step',
      'lab_step',
    ]);
  });

  it('waits out a custom step retry back-off as a delayed job, then runs the next attempt', async () => {
    const { workflows } = suite;
    const started = await workflows.start('custom_flaky', { markFile: join(suite.dir, 'flaky') });
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { probe: { attempt: 2 } } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'probe', 'started')).toBe(2);
    expect(count(entries, 'probe', 'failed')).toBe(1);
    // The back-off was a delayed job, not a wait inside the worker.
    const retries = (await suite.queue.getJobs(['completed'])).filter(
      (job) => job.name === 'retry' && job.data.executionId === started.id,
    );
    expect(retries).toHaveLength(1);
  });
});
