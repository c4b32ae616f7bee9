export type { Entry, EntryAction, Execution, ExecutionStatus } from './core/types';
export { ENTRY_ACTIONS, EXECUTION_STATUSES, FINISHED_STATUSES, isFinished } from './core/types';
export {
  DurableWorkflowError,
  ExecutionNotFoundError,
  ExecutionStateError,
  WorkflowNotFoundError,
  WorkflowValidationError,
} from './core/errors';
export {
  deserializeError,
  reviveError,
  serializeError,
  toSerializedError,
  type SerializedError,
} from './core/error-serialization';

export type {
  ClaimableQuery,
  DeleteFinishedQuery,
  DurableWorkflowStore,
  ExecutionCount,
  ExecutionIdsQuery,
  FindQuery,
  WorkflowStore,
} from './core/store/workflow-store';
export {
  ConcurrentUpdateError,
  RejectedValueError,
  StoreError,
  StoreUnavailableError,
  UnserializableValueError,
} from './core/store/store-errors';
export { WorkflowExecutionEntity } from './storage/typeorm/workflow-execution.entity';
export { WorkflowEntryEntity } from './storage/typeorm/workflow-entry.entity';
export { TypeormWorkflowStore } from './storage/typeorm/typeorm-workflow-store';
export {
  RedisWorkflowStore,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_TTL_SECONDS,
  type RedisWorkflowStoreOptions,
} from './storage/redis/redis-workflow-store';
export type { RedisDurabilityReport } from './storage/redis/redis-durability';
export { ResilientStore, type ResilientStoreOptions } from './storage/resilient/resilient-store';
export { CreateWorkflowTables1763800000000 } from './storage/typeorm/migrations/1763800000000-CreateWorkflowTables';
export { IndexExecutionsByWorkflowAndStatus1764900000000 } from './storage/typeorm/migrations/1764900000000-IndexExecutionsByWorkflowAndStatus';
export { WORKFLOW_MIGRATIONS } from './storage/typeorm/migrations/index';
export { MissingPeerDependencyError } from './peers/missing-peer-dependency.error';

export { WorkflowEngine } from './core/engine/workflow-engine';
export type {
  EngineEvent,
  ResumePayload,
  StartOptions,
  WorkflowEngineOptions,
} from './core/engine/workflow-engine';
export { WorkflowRegistry, compareVersions } from './core/registry';
export { ServiceRegistry, type ServiceResolver } from './core/services';
export { loadWorkflow, type WorkflowSource } from './core/definition/load-workflow';
export type { ServiceCatalog } from './core/definition/parse-definition';
export type { WorkflowDefinition, StepDefinition } from './core/definition/definition-types';
export type { ExecutionRuntime, RuntimeFrame } from './core/types';
export { StepFailedError, WorkflowTimeoutError } from './core/errors';

export { WaitTimeoutError } from './core/errors';
export { DurableWorkflowModule } from './nest/durable-workflow.module';
export { WorkflowService } from './nest/workflow.service';
export { STORE } from './nest/durable-workflow.constants';
export { InjectStore } from './nest/inject-store.decorator';
export { WorkflowCallable } from './nest/workflow-callable.decorator';
export type {
  CustomStoreOption,
  DurableWorkflowModuleAsyncOptions,
  DurableWorkflowModuleOptions,
  DurableWorkflowRuntimeOptions,
  RedisStoreOption,
  StoreOption,
  TypeormStoreOption,
} from './nest/durable-workflow.options';
export { WORKFLOW_QUEUE_NAME, type WorkflowQueueOptions } from './nest/queue/queue.options';
export { RecoveryLimitError } from './core/errors';
export type { RunOptions } from './core/engine/run-state';
export type { WorkflowHttpOptions } from './nest/http/http.options';
export { WorkflowHttpExceptionFilter } from './nest/http/workflow-http-exception.filter';
