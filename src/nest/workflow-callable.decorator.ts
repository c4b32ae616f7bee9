import { SetMetadata } from '@nestjs/common';
import { WORKFLOW_CALLABLE } from './durable-workflow.constants';

/** Makes a provider reachable from `call` steps as `service: name`; nothing else is. */
export const WorkflowCallable = (name: string): ClassDecorator =>
  SetMetadata(WORKFLOW_CALLABLE, name);
