import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { WorkflowEntryEntity } from './workflow-entry.entity';
import { WorkflowEventShapeEntity } from './workflow-event-shape.entity';
import { WorkflowEventWaitEntity } from './workflow-event-wait.entity';
import { WorkflowEventEntity } from './workflow-event.entity';
import { WorkflowExecutionEntity } from './workflow-execution.entity';
import { WorkflowSlotEntity } from './workflow-slot.entity';
import { WorkflowVariableEntity } from './workflow-variable.entity';
import { WorkflowLoopValueEntity } from './workflow-loop-value.entity';

/** Quoted table names as the application's DataSource maps the entities (schema included). */
export interface SqlTables {
  executions: string;
  entries: string;
  eventWaits: string;
  eventShapes: string;
  events: string;
  slots: string;
  variables: string;
  loopValues: string;
}

export function resolveTables(dataSource: DataSource): SqlTables {
  return {
    executions: tableOf(dataSource, WorkflowExecutionEntity, 'workflow_executions'),
    entries: tableOf(dataSource, WorkflowEntryEntity, 'workflow_entries'),
    eventWaits: tableOf(dataSource, WorkflowEventWaitEntity, 'workflow_event_waits'),
    eventShapes: tableOf(dataSource, WorkflowEventShapeEntity, 'workflow_event_shapes'),
    events: tableOf(dataSource, WorkflowEventEntity, 'workflow_events'),
    slots: tableOf(dataSource, WorkflowSlotEntity, 'workflow_concurrency_slots'),
    variables: tableOf(dataSource, WorkflowVariableEntity, 'workflow_variables'),
    loopValues: tableOf(dataSource, WorkflowLoopValueEntity, 'workflow_loop_values'),
  };
}

/** Statements are written against the default names; this points them at the mapped tables. */
export function withTables(sql: string, tables: SqlTables): string {
  return sql
    .replace(/\bworkflow_executions\b/g, tables.executions)
    .replace(/\bworkflow_entries\b/g, tables.entries)
    .replace(/\bworkflow_event_waits\b/g, tables.eventWaits)
    .replace(/\bworkflow_event_shapes\b/g, tables.eventShapes)
    .replace(/\bworkflow_events\b/g, tables.events)
    .replace(/\bworkflow_concurrency_slots\b/g, tables.slots)
    .replace(/\bworkflow_variables\b/g, tables.variables)
    .replace(/\bworkflow_loop_values\b/g, tables.loopValues);
}

function tableOf(
  dataSource: DataSource,
  entity: EntityTarget<ObjectLiteral>,
  fallback: string,
): string {
  const path = dataSource.hasMetadata(entity) ? dataSource.getMetadata(entity).tablePath : fallback;
  return path
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
