import { appendFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import {
  TypeormWorkflowStore,
  WORKFLOW_EVENT_ENTITIES,
  WORKFLOW_PART_ENTITIES,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
  WorkflowSlotEntity,
} from '../../src';
import { ServiceRegistry, WorkflowEngine, WorkflowRegistry } from '../../src/engine';
import { DATABASE_URL } from './env';

export const CRASH_STEPS = Array.from({ length: 10 }, (_, i) => `step${i}`);

/** Ten `call` steps, each leaving a mark in a file (its side effect) and taking a little time. */
export const crashWorkflow = {
  id: 'crashy',
  name: 'Killed mid-run',
  steps: CRASH_STEPS.map((id, i) => ({
    id,
    type: 'call',
    service: 'marker',
    method: 'mark',
    input: { step: id },
    output: `out${i}`,
    ...(i + 1 < CRASH_STEPS.length ? { next: CRASH_STEPS[i + 1] } : {}),
  })),
};

export async function crashEngine(schema: string, markFile: string) {
  const dataSource = new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    schema,
    entities: [
      WorkflowExecutionEntity,
      WorkflowEntryEntity,
      WorkflowSlotEntity,
      ...WORKFLOW_EVENT_ENTITIES,
      ...WORKFLOW_PART_ENTITIES,
    ],
  });
  await dataSource.initialize();
  const services = new ServiceRegistry({
    marker: {
      async mark(input: { step: string }) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        appendFileSync(markFile, `${input.step}\n`);
        return input.step;
      },
    },
  });
  const registry = new WorkflowRegistry(services);
  registry.register(crashWorkflow);
  const engine = new WorkflowEngine({
    store: new TypeormWorkflowStore(dataSource),
    registry,
    services,
  });
  return { engine, close: () => dataSource.destroy() };
}
