/** A worker-only process of the queue test app: `queue-worker.ts '<QueueAppConfig as JSON>'`. */
import 'reflect-metadata';
import { WorkflowEngine } from '../../src/engine';
import { bootQueueApp, type QueueAppConfig } from './queue-app';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as QueueAppConfig;
  if (config.dieOnResume) {
    // Dies holding the resume's job and the execution's lease, before the first checkpoint.
    WorkflowEngine.prototype.resume = () => {
      process.kill(process.pid, 'SIGKILL');
      return new Promise(() => undefined);
    };
  }
  // Shutdown hooks are enabled: SIGTERM stops the workers gracefully, then the process ends.
  await bootQueueApp({ ...config, worker: true });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
