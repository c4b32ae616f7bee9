import { applyDecorators, SetMetadata } from '@nestjs/common';
import { WORKFLOW_CALLABLE, WORKFLOW_CALLABLE_METHODS } from './durable-workflow.constants';

export interface WorkflowCallableOptions {
  /**
   * The only methods `call` steps may use. Without it, every method the class itself declares
   * (not inherited, not a lifecycle hook, not a getter, not `_`-prefixed) is reachable, including
   * TypeScript-`private` ones, which are ordinary methods at run time: list them, or use `#private`.
   */
  methods?: readonly string[];
}

/** Makes a provider reachable from `call` steps as `service: name`; nothing else is. */
export const WorkflowCallable = (
  name: string,
  options: WorkflowCallableOptions = {},
): ClassDecorator =>
  applyDecorators(
    SetMetadata(WORKFLOW_CALLABLE, name),
    ...(options.methods ? [SetMetadata(WORKFLOW_CALLABLE_METHODS, options.methods)] : []),
  );
