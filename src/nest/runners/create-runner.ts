import type { WorkflowClock } from '../../core/clock';
import type { WorkflowEngine } from '../../core/engine/workflow-engine';
import type { WorkflowTelemetry } from '../../core/telemetry';
import { StoreCapabilityError } from '../../core/errors';
import { isDurableStore, missingDurableMethods } from '../../core/store/store-capabilities';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { ResolvedModuleOptions } from '../durable-workflow.options';
import { QueueRunner } from '../queue/queue-runner';
import type { WorkflowBullQueue } from '../queue/workflow-job-queue';
import { InProcessRunner } from './in-process-runner';
import type { WorkflowRunner } from './workflow-runner';

/** The runner the options ask for: BullMQ jobs with a queue, this process's event loop without. */
export function createRunner(
  engine: WorkflowEngine,
  store: WorkflowStore,
  queue: WorkflowBullQueue | null,
  options: ResolvedModuleOptions,
  clock: WorkflowClock,
  telemetry: WorkflowTelemetry,
): WorkflowRunner {
  if (!queue || !options.queue) return new InProcessRunner(engine, store, undefined, clock);
  if (!isDurableStore(store)) {
    throw new StoreCapabilityError('The queue option', missingDurableMethods(store));
  }
  return new QueueRunner(engine, store, queue, options.queue, telemetry);
}
