import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '../../src';
import { PostgresHarness } from '../support/sql-harness';
import { slotRunner } from '../support/slot-holder';
import { until } from '../support/until';

jest.setTimeout(90_000);

describe('in process: a process killed while one of its executions holds a concurrency slot', () => {
  const harness = new PostgresHarness();
  const dir = mkdtempSync(join(tmpdir(), 'dw-slot-crash-'));
  beforeAll(() => harness.open());
  afterAll(async () => {
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the killed execution and then the one waiting, one after the other, at the next start', async () => {
    const markFile = join(dir, 'held');
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        join(__dirname, '..', 'support', 'slot-crash-worker.ts'),
        harness.schema,
        markFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const [first, second] = await new Promise<string[]>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const line = /ready (\S+) (\S+)/.exec(chunk.toString());
        if (line) resolve([line[1], line[2]]);
      });
      child.once('exit', (code) => reject(new Error(`the process exited early with ${code}`)));
    });
    const store = harness.store();
    expect((await store.load(first))!.status).toBe('running');
    expect((await store.load(second))!.status).toBe('pending');
    child.kill('SIGKILL');
    await exited;

    const { runner, close } = await slotRunner(harness.schema, markFile);
    try {
      const done: Execution[] = [];
      for (const id of [first, second]) {
        const execution = await until(
          async () => (await store.load(id))!,
          (loaded) => loaded.status === 'completed',
        );
        expect(execution.status).toBe('completed');
        done.push(execution);
      }
      const [held, waited] = done.map((e) => e.ctx['held'] as { from: number; to: number });
      expect(held.to).toBeLessThanOrEqual(waited.from);
    } finally {
      await runner.stop(5_000);
      await close();
    }
  });
});
