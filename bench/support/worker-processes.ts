import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Starts a `queue-bench-worker.ts` process; resolves once it is ready. */
export function spawnWorker(
  kind: 'workflow' | 'raw',
  config: object,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'queue-bench-worker.ts'),
      kind,
      JSON.stringify(config),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on(
      'data',
      (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child),
    );
    child.once('exit', (code) => reject(new Error(`bench worker exited early with ${code}`)));
  });
}

/** Stops a worker process and waits for it to exit. */
export function stopWorker(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}
