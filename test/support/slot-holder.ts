import { existsSync, writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import {
  TypeormWorkflowStore,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
  WorkflowSlotEntity,
  type WorkflowSource,
} from '../../src';
import { ServiceRegistry, WorkflowEngine, WorkflowRegistry } from '../../src/engine';
import { InProcessRunner } from '../../src/nest/runners/in-process-runner';
import { DATABASE_URL } from './env';

/** One execution at a time; its step hangs the first time (while `markFile` is missing). */
export const slottedWorkflow: WorkflowSource = {
  id: 'slotted',
  name: 'One at a time',
  inputs: { name: { type: 'string' } },
  concurrency: { limit: 1 },
  steps: [
    {
      id: 'hold',
      type: 'call',
      service: 'holder',
      method: 'hold',
      input: { name: '$name' },
      output: 'held',
    },
  ],
};

/** An in-process runner on the Postgres schema, as an application process would have. */
export async function slotRunner(schema: string, markFile: string) {
  const dataSource = new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    schema,
    entities: [WorkflowExecutionEntity, WorkflowEntryEntity, WorkflowSlotEntity],
  });
  await dataSource.initialize();
  const services = new ServiceRegistry({
    holder: {
      async hold(input: { name: string }) {
        const from = Date.now();
        if (!existsSync(markFile)) {
          writeFileSync(markFile, String(process.pid));
          await new Promise(() => undefined);
        }
        // Long enough for a second run at the same time to overlap this one.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { name: input.name, from, to: Date.now() };
      },
    },
  });
  const registry = new WorkflowRegistry(services);
  registry.register(slottedWorkflow);
  const store = new TypeormWorkflowStore(dataSource);
  const runner = new InProcessRunner(new WorkflowEngine({ store, registry, services }), store);
  await runner.boot();
  return { runner, store, close: () => dataSource.destroy() };
}
