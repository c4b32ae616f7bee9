// `nestjs-durable-workflow/engine`: the engine without Nest, for scripts, tests and other hosts.
// It runs on any `WorkflowStore` from the package root.

export {
  WorkflowEngine,
  type EngineEvent,
  type ExecutionRef,
  type ForkOptions,
  type StartOptions,
  type WorkflowEngineOptions,
} from './core/engine/workflow-engine';
export type { RunOptions } from './core/engine/run-state';
export { WorkflowRegistry } from './core/registry';
export { ServiceRegistry, type ServiceResolver } from './core/services';
export {
  CustomStepTypes,
  type CustomStep,
  type CustomStepContext,
  type StepTypeResolver,
} from './core/custom-step-types';
export type { StepTypeCatalog } from './core/definition/parse-custom-step';
export { loadWorkflow, type WorkflowSource } from './core/definition/load-workflow';
export type { DocumentLimits } from './core/definition/document-limits';
export type { ServiceCatalog } from './core/definition/parse-definition';
export type { StepDefinition, WorkflowDefinition } from './core/definition/definition-types';
export {
  ENTRY_ACTIONS,
  FINISHED_STATUSES,
  isFinished,
  type ExecutionRuntime,
  type ResumePayload,
  type RuntimeFrame,
} from './core/types';
export {
  reviveError,
  serializeError,
  toSerializedError,
  type SerializedError,
} from './core/error-serialization';
export type { CancelOptions } from './core/engine/workflow-engine';
export { systemClock, type WorkflowClock } from './core/clock';
export {
  noTelemetry,
  type RunKind,
  type RunSpanInfo,
  type StepMetricOutcome,
  type StepSpanInfo,
  type TraceCarrier,
  type WorkflowTelemetry,
} from './core/telemetry';
export { createOpenTelemetry } from './observability/open-telemetry';
export {
  EventDelivery,
  type EventDeliveryOptions,
  type SendEventOptions,
  type Redelivery,
} from './core/events/event-delivery';
