import { WorkflowLoopValueEntity } from './workflow-loop-value.entity';
import { WorkflowVariableEntity } from './workflow-variable.entity';

/**
 * The entities of an execution's parts (context variables, loop items and results): register
 * them beside `WorkflowExecutionEntity` and `WorkflowEntryEntity`.
 */
export const WORKFLOW_PART_ENTITIES = [WorkflowVariableEntity, WorkflowLoopValueEntity];
