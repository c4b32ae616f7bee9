import { scheduledExecutionId } from '../../src/core/schedule/cron-ticks';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second';

/**
 * The worst moment of a tick: its execution is saved and its start not yet queued when the worker
 * running the tick is killed. The other worker runs that execution to the end, and it stays the
 * tick's only one.
 */
describe.each(QUEUE_STORES)('queue mode on %s: a worker killed mid-tick', (_name, storeFor) => {
  const suite = setUpQueueSuite({ name: 'tickcrash', store: storeFor, with: ['everySecond'] });

  it('leaves one execution for the tick, which the other worker runs to the end', async () => {
    const { workflows } = suite;
    await suite.startWorker();
    const dying = await suite.startWorker({ dieOnTick: true });
    expect(await dying.exited).toBeNull();
    const executionId = /died-after (\S+)/.exec(dying.output)![1];

    const done = await workflows.wait(executionId, { timeoutMs: 60_000 });
    expect(done.status).toBe('completed');
    expect(done.ctx['ticked']).toBe(1);
    const tick = new Date(done.runtime!.scheduledFor!);
    expect(scheduledExecutionId(WORKFLOW, tick)).toBe(executionId);
    const entries = await workflows.entries(executionId);
    expect(entries.filter((e) => e.stepId === 'tick' && e.action === 'completed')).toHaveLength(1);
    const ofTick = (await workflows.find({ workflowId: WORKFLOW, limit: 1000 })).filter(
      (execution) => execution.runtime?.scheduledFor === tick.toISOString(),
    );
    expect(ofTick.map((execution) => execution.id)).toEqual([executionId]);
  });
});
