import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRASH_STEPS, crashEngine } from '../support/crash-workflow';
import { PostgresHarness } from '../support/sql-harness';

// Each test starts a Node process with ts-node, which takes many seconds on a loaded machine.
jest.setTimeout(60_000);

const marksIn = (markFile: string) => readFileSync(markFile, 'utf8').split('\n').filter(Boolean);

/**
 * Starts a worker process on the execution and kills it with SIGKILL once `afterMarks` steps have
 * left their mark: the kill lands while the next step is in flight.
 */
async function runAndKill(
  schema: string,
  executionId: string,
  markFile: string,
  afterMarks: number,
) {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, '..', 'support', 'crash-worker.ts'),
      schema,
      executionId,
      markFile,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  while (marksIn(markFile).length < afterMarks) {
    if (child.exitCode !== null)
      throw new Error(`worker exited with ${child.exitCode} before the kill`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('a process killed between steps', () => {
  const harness = new PostgresHarness();
  const dir = mkdtempSync(join(tmpdir(), 'dw-crash-'));
  beforeAll(() => harness.open());
  afterAll(async () => {
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([0, 1, 2])(
    'resumes from the last checkpoint, and no completed step runs twice (run %i)',
    async (run) => {
      const executionId = randomUUID();
      const markFile = join(dir, `marks-${run}.txt`);
      writeFileSync(markFile, '');
      const afterMarks = 1 + Math.floor(Math.random() * (CRASH_STEPS.length - 2));
      await runAndKill(harness.schema, executionId, markFile, afterMarks);
      // The kill landed mid-run: some steps done, not all, and the execution still running.
      const killed = await harness.store().load(executionId);
      expect(killed?.status).toBe('running');
      expect(marksIn(markFile).length).toBeGreaterThanOrEqual(afterMarks);
      expect(marksIn(markFile).length).toBeLessThan(CRASH_STEPS.length);

      const { engine, close } = await crashEngine(harness.schema, markFile);
      try {
        const interrupted = await engine.drive(executionId).catch(() => null);
        const finished = interrupted ?? (await engine.run('crashy', {}, { executionId }));
        expect(finished.status).toBe('completed');
        expect(CRASH_STEPS.map((_, i) => finished.ctx[`out${i}`])).toEqual(CRASH_STEPS);

        const entries = await harness.store().entries(executionId);
        const count = (step: string, action: string) =>
          entries.filter((e) => e.stepId === step && e.action === action).length;
        const marks = marksIn(markFile);
        const reRun: string[] = [];
        for (const step of CRASH_STEPS) {
          expect(count(step, 'completed')).toBe(1);
          const started = count(step, 'started');
          expect(started).toBeGreaterThanOrEqual(1);
          if (started > 1) reRun.push(step);
          // A step's side effect happens once, or twice only for the step that was in flight.
          const effects = marks.filter((m) => m === step).length;
          expect(effects).toBeGreaterThanOrEqual(1);
          if (effects > 1) expect(reRun).toContain(step);
        }
        expect(reRun.length).toBeLessThanOrEqual(1);
      } finally {
        await close();
      }
    },
  );
});
