// The package root: what an application written against the module needs. The engine on its own
// (without Nest) is under `nestjs-durable-workflow/engine`.

export { DurableWorkflowModule } from './nest/durable-workflow.module';
export type {
  CustomStoreOption,
  DurableWorkflowModuleAsyncOptions,
  DurableWorkflowModuleOptions,
  DurableWorkflowRuntimeOptions,
  RedisStoreOption,
  StoreOption,
  TypeormStoreOption,
} from './nest/durable-workflow.options';
export type { WorkflowQueueOptions } from './nest/queue/queue.options';
export type { WorkflowHttpOptions } from './nest/http/http.options';
export { WorkflowService } from './nest/workflow.service';
export type { RetryFailedQuery, RetryFailedResult } from './nest/retry-failed';
export { InjectStore } from './nest/inject-store.decorator';
export { WorkflowCallable } from './nest/workflow-callable.decorator';
export { WorkflowStepType } from './nest/workflow-step-type.decorator';
export type { CustomStep, CustomStepContext } from './core/custom-step-types';
export { STORE } from './nest/durable-workflow.constants';
export { WORKFLOW_QUEUE_NAME } from './nest/queue/queue.options';
export { WorkflowHttpExceptionFilter } from './nest/http/workflow-http-exception.filter';

export type { Entry, EntryAction, Execution, ExecutionStatus, ResumePayload } from './core/types';
export { EXECUTION_STATUSES } from './core/types';
export type { FailurePoint } from './core/types';
export type { ForkOptions, StartOptions } from './core/engine/workflow-engine';
export type { WorkflowSource } from './core/definition/load-workflow';
export { deserializeError, type SerializedError } from './core/error-serialization';
export type {
  CheckpointChanges,
  CheckpointOptions,
  ClaimableQuery,
  DeleteFinishedQuery,
  DurableWorkflowStore,
  ExecutionCount,
  ExecutionIdsQuery,
  FindQuery,
  LoopChange,
  SlotRequest,
  WorkflowStore,
} from './core/store/workflow-store';
export type { StoreLog } from './core/store/store-log';

export {
  ApprovalExpiredError,
  ApprovalRejectedError,
  CallTimeoutError,
  DurableWorkflowError,
  ExecutionMissingForJobError,
  ExecutionNotFoundError,
  ExecutionStateError,
  InvalidOptionError,
  InvalidPatternError,
  LoopExhaustedError,
  NotRunningError,
  ParentChainError,
  PatternInputTooLongError,
  RecoveryLimitError,
  StepError,
  StepFailedError,
  StoreCapabilityError,
  SubWorkflowTimeoutError,
  TransformError,
  WaitTimeoutError,
  WorkflowNotFoundError,
  WorkflowTimeoutError,
  WorkflowValidationError,
  RetryRefusedError,
  ForkRefusedError,
  OutputSchemaError,
  StepTypeRegistrationError,
  StepTimeoutError,
} from './core/errors';
export {
  ConcurrentUpdateError,
  CorruptRecordError,
  RejectedValueError,
  StoreError,
  StoreUnavailableError,
  UnserializableValueError,
} from './core/store/store-errors';
export { QueueUnavailableError } from './nest/queue/queue-reachability';
export { MissingPeerDependencyError } from './peers/missing-peer-dependency.error';

export { TypeormWorkflowStore } from './storage/typeorm/typeorm-workflow-store';
export { WorkflowExecutionEntity } from './storage/typeorm/workflow-execution.entity';
export { WorkflowEntryEntity } from './storage/typeorm/workflow-entry.entity';
export { WorkflowSlotEntity } from './storage/typeorm/workflow-slot.entity';
export { WORKFLOW_MIGRATIONS } from './storage/typeorm/migrations/index';
export {
  RedisWorkflowStore,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_TTL_SECONDS,
  type RedisWorkflowStoreOptions,
} from './storage/redis/redis-workflow-store';
export type { RedisDurabilityReport } from './storage/redis/redis-durability';
export { ResilientStore, type ResilientStoreOptions } from './storage/resilient/resilient-store';
export type { ScheduleInfo } from './nest/schedules/schedule-listing';
export type { ScheduleClock } from './core/schedule/schedule-clock';
export type { WaitingFor } from './nest/workflow.service';

export {
  WorkflowHealthIndicator,
  type WorkflowHealthDetails,
  type WorkflowHealthOptions,
  type WorkflowHealthResult,
  type WorkersHealth,
} from './nest/health/workflow-health.indicator';
export type { ProbeResult } from './nest/health/health-probe';
export type { WorkflowClock } from './core/clock';
export type { TraceCarrier, WorkflowTelemetry } from './core/telemetry';
export { EventTimeoutError, InvalidEventError } from './core/errors';
export { WORKFLOW_EVENT_ENTITIES } from './storage/typeorm/event-entities';
export { WORKFLOW_PART_ENTITIES } from './storage/typeorm/part-entities';
export { WorkflowVariableEntity } from './storage/typeorm/workflow-variable.entity';
export { WorkflowLoopValueEntity } from './storage/typeorm/workflow-loop-value.entity';
export { WorkflowEventWaitEntity } from './storage/typeorm/workflow-event-wait.entity';
export { WorkflowEventShapeEntity } from './storage/typeorm/workflow-event-shape.entity';
export { WorkflowEventEntity } from './storage/typeorm/workflow-event.entity';
export type { WorkflowEventsOptions } from './nest/events/events.options';
export type {
  EventWaitIndex,
  StoredEvent,
  PruneEventsQuery,
  UndeliveredEventsQuery,
} from './core/store/workflow-store';
export { eventKey, payloadKey, waitIndexOf } from './core/events/event-keys';
export type { DueTimersQuery } from './core/store/workflow-store';
export { StoreUnreachableError } from './core/store/store-errors';
