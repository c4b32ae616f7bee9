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
  const executions = pathOf(dataSource, WorkflowExecutionEntity, 'workflow_executions');
  // A table whose entity the application did not register lives beside the executions' table.
  const schema = executions.includes('.')
    ? executions.slice(0, executions.lastIndexOf('.') + 1)
    : '';
  const table = (entity: EntityTarget<ObjectLiteral>, name: string) =>
    quoted(pathOf(dataSource, entity, `${schema}${name}`));
  return {
    executions: quoted(executions),
    entries: table(WorkflowEntryEntity, 'workflow_entries'),
    eventWaits: table(WorkflowEventWaitEntity, 'workflow_event_waits'),
    eventShapes: table(WorkflowEventShapeEntity, 'workflow_event_shapes'),
    events: table(WorkflowEventEntity, 'workflow_events'),
    slots: table(WorkflowSlotEntity, 'workflow_concurrency_slots'),
    variables: table(WorkflowVariableEntity, 'workflow_variables'),
    loopValues: table(WorkflowLoopValueEntity, 'workflow_loop_values'),
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

function pathOf(
  dataSource: DataSource,
  entity: EntityTarget<ObjectLiteral>,
  fallback: string,
): string {
  return dataSource.hasMetadata(entity) ? dataSource.getMetadata(entity).tablePath : fallback;
}

function quoted(path: string): string {
  return path
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
