import { WorkflowEventShapeEntity } from './workflow-event-shape.entity';
import { WorkflowEventWaitEntity } from './workflow-event-wait.entity';
import { WorkflowEventEntity } from './workflow-event.entity';

/** The entities of events: register them beside `WorkflowExecutionEntity` and `WorkflowEntryEntity`. */
export const WORKFLOW_EVENT_ENTITIES = [
  WorkflowEventWaitEntity,
  WorkflowEventShapeEntity,
  WorkflowEventEntity,
];
