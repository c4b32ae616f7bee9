import { overview } from '../../src/nest/http/dashboard/dashboard-pages';
import { setUpQueueSuite } from '../support/queue-suite';
import { until } from '../support/until';

jest.setTimeout(60_000);

/** A web process can tell that no worker process runs, and the dashboard says so. */
describe('queue mode: workers alive', () => {
  const suite = setUpQueueSuite({ name: 'alive' });

  it('counts no worker while none runs, warns on the dashboard, and counts one once started', async () => {
    const { workflows } = suite;
    expect(await workflows.workersAlive()).toBe(0);
    const execution = await workflows.start('tally', { n: 1 });
    const counts = (await workflows.countExecutions()) ?? [];
    const page = String(
      overview('/workflows', { counts, workersAlive: 0 }, [execution], {}, false),
    );
    expect(page).toContain('id="no-workers"');
    expect(page).toMatch(
      /No worker process is running<\/b>, and 1 execution\(s\) wait for one\s+\(1 pending, 0 running\)/,
    );

    await suite.startWorker();
    const alive = await until(
      async () => (await workflows.workersAlive()) ?? 0,
      (count) => count !== 0,
      { withinMs: 5000, everyMs: 100 },
    );
    expect(alive).toBe(1);
    expect((await workflows.wait(execution.id, { timeoutMs: 20_000 })).status).toBe('completed');
    const calm = String(
      overview('/workflows', { counts, workersAlive: 1 }, [execution], {}, false),
    );
    expect(calm).not.toContain('no-workers');
    expect(calm).toMatch(/Workers alive: <b>1<\/b>/);
  });
});
