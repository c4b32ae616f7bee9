import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from './entity-decorators';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/**
 * A loop's items (index -1, written when it begins) and its results (from index 0, one row
 * appended per iteration), under the loop's key: its position among the runtime's frames and its
 * step id. The frame in the execution's runtime is then a cursor, so an iteration's checkpoint
 * does not grow with the number of items.
 */
@Entity({ name: 'workflow_loop_values' })
export class WorkflowLoopValueEntity {
  @PrimaryColumn({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne(() => WorkflowExecutionEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'execution_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_workflow_loop_values_execution',
  })
  execution?: WorkflowExecutionEntity;

  @PrimaryColumn({ type: 'text' })
  loop!: string;

  /** -1 for the items, from 0 for the results. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'jsonb' })
  value!: unknown;
}
