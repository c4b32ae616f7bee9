import type { FactoryProvider, Provider } from '@nestjs/common';
import { systemClock, type WorkflowClock } from '../core/clock';
import { WorkflowEngine } from '../core/engine/workflow-engine';
import type { WorkflowTelemetry } from '../core/telemetry';
import { createOpenTelemetry } from '../observability/open-telemetry';
import { WorkflowRegistry } from '../core/registry';
import type { WorkflowStore } from '../core/store/workflow-store';
import { DiscoveredServices } from './discovered-services';
import { DiscoveredStepTypes } from './discovered-step-types';
import { MODULE_OPTIONS, STORE, WORKFLOW_QUEUE } from './durable-workflow.constants';
import type { ResolvedModuleOptions } from './durable-workflow.options';
import { ExecutionEvents } from './execution-events';
import { ExecutionFeed } from './execution-feed';
import { ExecutionWaiter } from './execution-waiter';
import { WorkflowEvents, type EventRedelivery } from './events/workflow-events';
import type { WorkflowBullQueue } from './queue/workflow-job-queue';
import { createRunner } from './runners/create-runner';
import type { WorkflowRunner } from './runners/workflow-runner';
import { SharedRemoteChanges } from './shared-remote-changes';

/** Events left by a stopped sender are delivered again in process, and by queue workers. */
const IN_PROCESS_REDELIVERY: EventRedelivery = { everyMs: 10_000, graceMs: 10_000 };

function eventRedelivery({ queue }: ResolvedModuleOptions): EventRedelivery | null {
  if (!queue) return IN_PROCESS_REDELIVERY;
  return queue.worker ? { everyMs: queue.sweepIntervalMs, graceMs: queue.leaseMs } : null;
}

/** The workflows by id and version; filled at start, once the services they call are known. */
export const WORKFLOW_REGISTRY = Symbol('DURABLE_WORKFLOW_REGISTRY');
export const WORKFLOW_ENGINE = Symbol('DURABLE_WORKFLOW_ENGINE');
/** Where work runs: in process, or BullMQ jobs with the `queue` option. */
export const WORKFLOW_RUNNER = Symbol('DURABLE_WORKFLOW_RUNNER');
/** The engine's time and the timers armed on it (`WorkflowClock`); a test clock replaces it. */
export const WORKFLOW_CLOCK = Symbol('DURABLE_WORKFLOW_CLOCK');
/** Where spans and metrics go: OpenTelemetry when the application installed its API. */
export const WORKFLOW_TELEMETRY = Symbol('DURABLE_WORKFLOW_TELEMETRY');

const engineProvider: FactoryProvider<WorkflowEngine> = {
  provide: WORKFLOW_ENGINE,
  useFactory: (
    store: WorkflowStore,
    registry: WorkflowRegistry,
    services: DiscoveredServices,
    events: ExecutionEvents,
    stepTypes: DiscoveredStepTypes,
    clock: WorkflowClock,
    telemetry: WorkflowTelemetry,
  ) =>
    new WorkflowEngine({
      store,
      registry,
      services,
      stepTypes,
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
      telemetry,
      onEvent: (event) => {
        if (event.type === 'execution') events.emit(event.execution);
      },
    }),
  inject: [
    STORE,
    WORKFLOW_REGISTRY,
    DiscoveredServices,
    ExecutionEvents,
    DiscoveredStepTypes,
    WORKFLOW_CLOCK,
    WORKFLOW_TELEMETRY,
  ],
};

const runnerProvider: FactoryProvider<WorkflowRunner> = {
  provide: WORKFLOW_RUNNER,
  useFactory: (
    engine: WorkflowEngine,
    store: WorkflowStore,
    queue: WorkflowBullQueue | null,
    options: ResolvedModuleOptions,
    clock: WorkflowClock,
    telemetry: WorkflowTelemetry,
  ) => createRunner(engine, store, queue, options, clock, telemetry),
  inject: [
    WORKFLOW_ENGINE,
    STORE,
    WORKFLOW_QUEUE,
    MODULE_OPTIONS,
    WORKFLOW_CLOCK,
    WORKFLOW_TELEMETRY,
  ],
};

/**
 * What runs workflows, made as providers (the engine, its registry and services, the runner) and
 * what watches them (local events, other processes' changes, the live feed, `wait`).
 */
export const workflowRuntimeProviders: Provider[] = [
  { provide: WORKFLOW_CLOCK, useValue: systemClock },
  { provide: WORKFLOW_TELEMETRY, useFactory: () => createOpenTelemetry() },
  { provide: DiscoveredServices, useFactory: () => new DiscoveredServices() },
  { provide: ExecutionEvents, useFactory: () => new ExecutionEvents() },
  { provide: DiscoveredStepTypes, useFactory: () => new DiscoveredStepTypes() },
  {
    provide: WORKFLOW_REGISTRY,
    useFactory: (services: DiscoveredServices, stepTypes: DiscoveredStepTypes) =>
      new WorkflowRegistry(services, undefined, stepTypes),
    inject: [DiscoveredServices, DiscoveredStepTypes],
  },
  engineProvider,
  runnerProvider,
  {
    provide: SharedRemoteChanges,
    useFactory: (runner: WorkflowRunner) =>
      new SharedRemoteChanges(() => runner.watchRemote?.bind(runner) ?? null),
    inject: [WORKFLOW_RUNNER],
  },
  {
    provide: ExecutionFeed,
    useFactory: (events: ExecutionEvents, store: WorkflowStore, remote: SharedRemoteChanges) =>
      new ExecutionFeed(events, store, remote),
    inject: [ExecutionEvents, STORE, SharedRemoteChanges],
  },
  {
    provide: ExecutionWaiter,
    useFactory: (
      store: WorkflowStore,
      events: ExecutionEvents,
      remote: SharedRemoteChanges,
      runner: WorkflowRunner,
    ) =>
      new ExecutionWaiter(
        store,
        events,
        remote,
        (execution) => runner.resumePending(execution),
        (executionId) => runner.outcomeOfJob?.(executionId) ?? Promise.resolve(null),
      ),
    inject: [STORE, ExecutionEvents, SharedRemoteChanges, WORKFLOW_RUNNER],
  },
  {
    provide: WorkflowEvents,
    useFactory: (
      store: WorkflowStore,
      runner: WorkflowRunner,
      events: ExecutionEvents,
      options: ResolvedModuleOptions,
    ) =>
      new WorkflowEvents(
        store,
        runner,
        events,
        options.events,
        options.queue === null,
        eventRedelivery(options),
      ),
    inject: [STORE, WORKFLOW_RUNNER, ExecutionEvents, MODULE_OPTIONS],
  },
];
