import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { setUpQueueSuite } from '../support/queue-suite';
import { until } from '../support/until';

jest.setTimeout(60_000);

/**
 * A timer's delayed job lost before any worker took it (removed from BullMQ here) is found by the
 * next recovery sweep through the store's index of due timers, not only by the slower check of
 * every halted execution.
 */
describe('queue mode: a timer whose job is lost', () => {
  const suite = setUpQueueSuite({
    name: 'timer',
    // The check of every halted execution comes only every sixth sweep, long after the timer is
    // due: the sweep's read of due timers is what finds it.
    sweepIntervalMs: 1500,
  });

  it('fires the timer once the sweep finds it due and not applied', async () => {
    const { workflows, queue } = suite;
    await suite.startWorker();
    // Halted in this process, which adds the timer's delayed job after the halt; five seconds
    // leave time to remove it before it is due, however slow the machine.
    const halted = await workflows.run('long-nap');
    expect(halted.status).toBe('halted');
    const timerId = workflowJobId('timer', halted);
    expect(await queue.getJobState(timerId)).toBe('delayed');
    await queue.remove(timerId);
    expect(await queue.getJob(timerId)).toBeUndefined();

    // wait() answers at once while the execution is halted, and at the run's end once it left.
    const done = await until(
      () => workflows.wait(halted.id, { timeoutMs: 30_000 }),
      (execution) => execution.status !== 'halted',
      { everyMs: 100 },
    );
    expect(done.status).toBe('completed');
    expect(done.ctx['woke']).toBe(true);
  });
});
