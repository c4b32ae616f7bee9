import type { TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowService } from '../../src';
import { overview } from '../../src/nest/http/dashboard/dashboard-pages';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { WorkerProcess } from '../support/worker-process';
import { postgresAdmin } from '../support/postgres-admin';
import { tearDownQueueSuite } from '../support/queue-teardown';

jest.setTimeout(60_000);

/** A web process can tell that no worker process runs, and the dashboard says so. */
describe('queue mode: workers alive', () => {
  const suffix = randomBytes(4).toString('hex');
  const config: Omit<QueueAppConfig, 'worker'> = {
    schema: `dw_alive_${suffix}`,
    prefix: `dwa-${suffix}`,
  };
  let web: TestingModule;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
  });
  afterAll(async () => {
    await tearDownQueueSuite({
      workers: [worker],
      web,
      schemas: [config.schema],
      prefix: config.prefix,
    });
  });

  it('counts no worker while none runs, warns on the dashboard, and counts one once started', async () => {
    const workflows = web.get(WorkflowService);
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

    worker = await WorkerProcess.start(config);
    let alive = 0;
    for (let i = 0; i < 50 && alive === 0; i++) {
      alive = (await workflows.workersAlive()) ?? 0;
      if (alive === 0) await delay(100);
    }
    expect(alive).toBe(1);
    expect((await workflows.wait(execution.id, { timeoutMs: 20_000 })).status).toBe('completed');
    const calm = String(
      overview('/workflows', { counts, workersAlive: 1 }, [execution], {}, false),
    );
    expect(calm).not.toContain('no-workers');
    expect(calm).toMatch(/Workers alive: <b>1<\/b>/);
  });
});
