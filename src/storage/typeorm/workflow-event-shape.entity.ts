import { Entity, PrimaryColumn } from './entity-decorators';

/**
 * The sets of match fields waits of an event name have used (as a JSON list of sorted names): a
 * payload's index keys are computed once per set. Few per name, written once each.
 */
@Entity({ name: 'workflow_event_shapes' })
export class WorkflowEventShapeEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  name!: string;

  @PrimaryColumn({ type: 'varchar', length: 2000 })
  fields!: string;
}
