import { SetMetadata } from '@nestjs/common';
import { WORKFLOW_STEP_TYPE } from './durable-workflow.constants';

/**
 * Makes a provider implementing `CustomStep` the step type `name` of workflow documents
 * (`type: name`). The module finds it at start, like `@WorkflowCallable` services.
 */
export const WorkflowStepType = (name: string): ClassDecorator =>
  SetMetadata(WORKFLOW_STEP_TYPE, name);
