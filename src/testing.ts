// `nestjs-durable-workflow/testing`: the module on an in-memory database and a clock tests move.

export { DurableWorkflowTestingModule } from './testing/durable-workflow-testing.module';
export type { DurableWorkflowTestingOptions } from './testing/testing.options';
export { WorkflowTestClock } from './testing/workflow-test-clock';
export type { Duration } from './testing/duration';
