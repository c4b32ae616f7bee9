import { type CustomStep, type DurableWorkflowStore, type WorkflowSource } from '../../src';
import {
  CustomStepTypes,
  ServiceRegistry,
  WorkflowEngine,
  WorkflowRegistry,
} from '../../src/engine';

/** An engine on a real store, with the given workflows and services, and a clock tests can move. */
export function engineWith(
  store: DurableWorkflowStore,
  workflows: WorkflowSource[],
  services: Record<string, object> = {},
  stepTypes: Record<string, CustomStep<object>> = {},
) {
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const serviceRegistry = new ServiceRegistry(services);
  const customTypes = new CustomStepTypes(stepTypes);
  const registry = new WorkflowRegistry(serviceRegistry, undefined, customTypes);
  registry.registerAll(workflows);
  const engine = new WorkflowEngine({
    store,
    registry,
    services: serviceRegistry,
    stepTypes: customTypes,
    now,
    sleep: async () => undefined,
  });
  return {
    engine,
    registry,
    /** Moves the engine's clock forward, for timers. */
    advance: (ms: number) => {
      offsetMs += ms;
    },
    trail: async (executionId: string) =>
      (await store.entries(executionId)).map((e) => `${e.stepId}:${e.action}`),
  };
}
