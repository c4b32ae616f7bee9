import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { WorkflowStore } from '../../src';
import { RedisHarness } from '../support/redis-harness';
import type { ShutdownAppConfig } from '../support/shutdown-app';
import { PostgresHarness, SqliteHarness } from '../support/sql-harness';

jest.setTimeout(60_000);

/**
 * Runs the app until its step is under way, stops it with SIGTERM, and resolves with the execution
 * id once the process has exited.
 */
async function stopMidStep(
  config: ShutdownAppConfig,
): Promise<{ id: string; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, '..', 'support', 'shutdown-app.ts'),
      JSON.stringify(config),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let output = '';
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const started = /started (\S+)/.exec(output);
      if (started && output.includes('dozing')) resolve(started[1]);
    });
    void exited.then((code) =>
      reject(new Error(`the app exited with ${code} before its step ran`)),
    );
  });
  child.kill('SIGTERM');
  return { id, signal: await exited };
}

const harnesses = [
  { name: 'postgres', harness: new PostgresHarness() },
  { name: 'sqlite', harness: new SqliteHarness() },
  { name: 'redis', harness: new RedisHarness() },
];

describe.each(harnesses)('SIGTERM mid-step, $name store', ({ name, harness }) => {
  let store: WorkflowStore;
  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('lets the step finish and checkpoints it before the process ends', async () => {
    const config: ShutdownAppConfig =
      name === 'postgres'
        ? { store: 'postgres', schema: (harness as PostgresHarness).schema }
        : name === 'sqlite'
          ? {
              store: 'sqlite',
              sqliteFile: join((harness as SqliteHarness).dir, 'workflows.sqlite'),
            }
          : { store: 'redis', prefix: (harness as RedisHarness).prefix };
    const { id, signal } = await stopMidStep(config);
    // Nest ends the process with the signal again once every shutdown hook has run.
    expect(signal).toBe('SIGTERM');
    const entries = await store.entries(id);
    const doze = entries.filter((e) => e.stepId === 'doze').map((e) => e.action);
    expect(doze).toEqual(['started', 'completed']);
    expect(await store.load(id)).toMatchObject({ status: 'completed', ctx: { after: true } });
  });
});
