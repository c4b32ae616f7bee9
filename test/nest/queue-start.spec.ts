import { STORE, type DurableWorkflowStore, type Entry, type Execution } from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';
import { until } from '../support/until';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

/**
 * A start job carries the execution `start()` saved, and its worker's first checkpoint takes the
 * lease; a job that ends an execution carries it back to `wait()`. Neither may cost a guarantee: no
 * write while another worker holds the lease, and `wait()` returns the execution as stored.
 */
describe.each(QUEUE_STORES)('queue mode on %s: what a start job carries', (_name, store) => {
  const suite = setUpQueueSuite({ name: 'qstart', leaseMs: 2000, sweepIntervalMs: 500, store });
  const suiteStore = (): DurableWorkflowStore => suite.web.get(STORE);

  async function jobState(execution: Execution): Promise<string> {
    return suite.queue.getJobState(workflowJobId('start', execution));
  }

  it('writes nothing while another worker holds the lease, then runs from what is stored', async () => {
    // No worker yet: the start job waits, and another owner takes the lease meanwhile.
    const { workflows } = suite;
    const started = await workflows.start('tally', { n: 7 });
    const held = await suiteStore().claim(started.id, 'another-worker', 60_000);
    expect(held?.revision).toBe(started.revision! + 1);
    const worker = await suite.startWorker();
    // The worker's first checkpoint is refused, and the job looks again later.
    expect(
      await until(
        () => jobState(started),
        (state) => state === 'delayed',
      ),
    ).toBe('delayed');
    expect((await suiteStore().load(started.id))?.revision).toBe(held!.revision);
    expect(await workflows.entries(started.id)).toEqual([]);

    await suiteStore().releaseClaim(started.id, 'another-worker');
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', result: { n: 7, pid: worker.pid } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'stamp', 'started')).toBe(1);
    expect(count(entries, 'stamp', 'completed')).toBe(1);
  });

  it('resolves wait() with the execution as stored, when the job just ended and long after', async () => {
    const { workflows } = suite;
    const started = await workflows.start('tally', { n: 1 });
    const waited = await workflows.wait(started.id, { timeoutMs: 30_000 });
    const stored = await workflows.get(started.id);
    expect(waited).toEqual(stored);
    expect(waited.createdAt).toBeInstanceOf(Date);
    expect(await jobState(started)).toBe('completed');
    expect(await workflows.wait(started.id, { timeoutMs: 30_000 })).toEqual(stored);
  });

  it('runs and waits for an execution too large for a job to carry, from the store', async () => {
    const { workflows } = suite;
    const started = await workflows.start('tally', { n: 2, note: 'x'.repeat(5000) });
    const waited = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(waited).toMatchObject({ status: 'completed', result: { n: 2 } });
    expect(waited).toEqual(await workflows.get(started.id));
  });

  it('resolves wait() at a halt, and with the end once a resume carried it on', async () => {
    const { workflows } = suite;
    const started = await workflows.start('approve');
    const halted = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(halted.status).toBe('halted');
    await workflows.resume(started.id, { approved: true });
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done).toEqual(await workflows.get(started.id));
  });
});
