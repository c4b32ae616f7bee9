import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from './entity-decorators';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/**
 * One row per execution halted at an `event` step, keyed by a digest of the event name and match
 * values: sending an event reads only the rows of the keys its payload has.
 */
@Entity({ name: 'workflow_event_waits' })
export class WorkflowEventWaitEntity {
  @PrimaryColumn({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne(() => WorkflowExecutionEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'execution_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_workflow_event_waits_execution',
  })
  execution?: WorkflowExecutionEntity;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Index('idx_workflow_event_waits_match_key')
  @Column({ name: 'match_key', type: 'varchar', length: 64 })
  matchKey!: string;
}
