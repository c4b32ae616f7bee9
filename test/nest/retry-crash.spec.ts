import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { setUpQueueSuite } from '../support/queue-suite';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

describe('a worker killed during a retried run', () => {
  const suite = setUpQueueSuite({ name: 'rcrash', workers: 2 });

  it('is taken over by another worker, and the retried execution completes', async () => {
    const { workflows } = suite;
    const failMark = join(suite.dir, 'fail');
    const hangMark = join(suite.dir, 'hang');
    const started = await workflows.start('mend', { failMark, hangMark });
    const failed = await workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(failed).toMatchObject({ status: 'failed', currentStep: 'try' });

    await workflows.retry(started.id);
    // The retried run passes the fixed step, then hangs in the next one: kill its worker there.
    const victim = await suite.workerThatMarked(hangMark);
    await victim.stop('SIGKILL');

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { ended: true } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'try', 'retried')).toBe(1);
    expect(count(entries, 'try', 'failed')).toBe(1);
    expect(count(entries, 'try', 'completed')).toBe(1);
    expect(count(entries, 'hang', 'started')).toBe(2);
    expect(count(entries, 'hang', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
  });

  it('still runs a retry whose job was lost: the pending execution is the acceptance', async () => {
    const { workflows } = suite;
    const failMark = join(suite.dir, 'lost-fail');
    const hangMark = join(suite.dir, 'lost-hang');
    // Marked already: the hanging step returns at once.
    writeFileSync(hangMark, 'done');
    const started = await workflows.start('mend', { failMark, hangMark });
    expect((await workflows.wait(started.id, { timeoutMs: 20_000 })).status).toBe('failed');
    await suite.stopWorkers('SIGTERM');

    const reopened = await workflows.retry(started.id);
    await suite.queue.remove(workflowJobId('rerun', reopened));
    await suite.startWorker();

    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { ended: true } });
    expect(count(await workflows.entries(started.id), 'try', 'retried')).toBe(1);
  });
});
