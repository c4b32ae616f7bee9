/** The injection token of the `WorkflowStore` (also `@InjectStore()`). */
export const STORE = Symbol('DURABLE_WORKFLOW_STORE');
/** The store as configured, before the resilient wrapper. */
export const RAW_STORE = Symbol('DURABLE_WORKFLOW_RAW_STORE');
export const MODULE_OPTIONS = Symbol('DURABLE_WORKFLOW_MODULE_OPTIONS');
export const WORKFLOW_CALLABLE = 'durable-workflow:callable';
export const HTTP_OPTIONS = Symbol('DURABLE_WORKFLOW_HTTP_OPTIONS');
/** The BullMQ queue, or null in-process; also under @nestjs/bullmq's token when that is installed. */
export const WORKFLOW_QUEUE = Symbol('DURABLE_WORKFLOW_QUEUE');
export const WORKFLOW_CALLABLE_METHODS = 'durable-workflow:callable-methods';
export const WORKFLOW_STEP_TYPE = 'durable-workflow:step-type';
