import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { QueueAppConfig } from './queue-app';

/** A worker-only process of the queue test app. */
export class WorkerProcess {
  readonly exited: Promise<number | null>;
  /** Everything the process wrote so far, stdout and stderr (where Nest's logger writes errors). */
  output = '';
  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      process.stderr.write(chunk);
    });
  }

  /** Resolves once the process wrote `text` to stdout. */
  printed(text: string): Promise<void> {
    return new Promise((resolve) => {
      const look = () => {
        if (!this.output.includes(text)) return;
        this.child.stdout!.off('data', look);
        this.child.stderr!.off('data', look);
        resolve();
      };
      this.child.stdout!.on('data', look);
      this.child.stderr!.on('data', look);
      look();
    });
  }

  static async start(config: Omit<QueueAppConfig, 'worker'>): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        join(__dirname, 'queue-worker.ts'),
        JSON.stringify(config),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const worker = new WorkerProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      void worker.exited.then((code) => reject(new Error(`worker exited early with ${code}`)));
    });
    return worker;
  }

  static startMany(count: number, config: Omit<QueueAppConfig, 'worker'>) {
    return Promise.all(Array.from({ length: count }, () => WorkerProcess.start(config)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the process has not exited yet. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM: a graceful stop; SIGKILL: a crash. Resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}
