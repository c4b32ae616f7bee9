import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScratchRedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

/** `npm start` against servers that do not run: the port of a scratch Redis stopped at once. */
describe('demo start-up with Redis or the database down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-demo-start-'));
  const server = new ScratchRedisServer();
  let redisUrl: string;

  beforeAll(async () => {
    await server.start();
    redisUrl = server.url;
    await server.stop();
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs demo/main.ts; `output` grows as it writes, `exited` gives its exit code. */
  function startDemo(connectTimeoutMs: number, env: Record<string, string> = {}) {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../demo/main.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: '',
          SQLITE_FILE: join(dir, `demo-${connectTimeoutMs}.sqlite`),
          REDIS_URL: redisUrl,
          CONNECT_TIMEOUT_MS: String(connectTimeoutMs),
          PORT: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const run = {
      child,
      output: '',
      exited: new Promise<number | null>((r) => child.once('exit', r)),
    };
    const collect = (chunk: Buffer) => (run.output += chunk.toString());
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    return run;
  }

  it('exits non-zero with one line naming REDIS_URL once the connect timeout passes', async () => {
    const demo = startDemo(2000);
    expect(await demo.exited).toBe(1);
    const last = demo.output.trim().split('\n').pop();
    expect(last).toMatch(/^The BullMQ queue's Redis did not answer within 2000 ms\..*REDIS_URL/);
    expect(demo.output).not.toContain('Durable workflow demo:');
  });

  it('exits non-zero with one line naming DATABASE_URL when the database does not answer', async () => {
    const deadPort = new URL(redisUrl).port;
    const demo = startDemo(3000, {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/test`,
    });
    expect(await demo.exited).toBe(1);
    const last = demo.output.trim().split('\n').pop();
    expect(last).toMatch(/^Cannot reach the database .*Check DATABASE_URL/);
  });

  it('ends on SIGTERM while it is still connecting', async () => {
    const demo = startDemo(60_000);
    await new Promise<void>((resolve) => {
      const look = () => demo.output.includes('is unreachable') && resolve();
      demo.child.stdout.on('data', look);
      demo.child.stderr.on('data', look);
    });
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(1);
    expect(demo.output).toContain('Stopped by SIGTERM while starting.');
  });
});
