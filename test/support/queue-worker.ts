/** A worker-only process of the queue test app: `queue-worker.ts '<QueueAppConfig as JSON>'`. */
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { ResilientStore, WorkflowService } from '../../src';
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
  // Armed once the app is up, so the catch-up at its start is not where it dies.
  let armed = false;
  if (config.dieOnTick) {
    const create = WorkflowEngine.prototype.create;
    WorkflowEngine.prototype.create = async function (this: WorkflowEngine, ...args) {
      const made = await create.apply(this, args);
      if (armed && made.created && args[2]?.scheduledFor) {
        writeSync(1, `died-after ${made.execution.id}\n`);
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => undefined);
      }
      return made;
    };
  }
  const sending = config.sendEventThenDie;
  if (sending) {
    // Every store the module makes is wrapped in a ResilientStore.
    const accept = ResilientStore.prototype.acceptEvent;
    ResilientStore.prototype.acceptEvent = async function (this: ResilientStore, event) {
      await accept.call(this, event);
      process.kill(process.pid, 'SIGKILL');
      return new Promise(() => undefined);
    };
  }
  // Shutdown hooks are enabled: SIGTERM stops the workers gracefully, then the process ends.
  const app = await bootQueueApp({ ...config, worker: !sending });
  armed = true;
  process.stdout.write('ready\n');
  if (sending) {
    await app.get(WorkflowService).sendEvent(sending.name, sending.payload, { id: sending.id });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
