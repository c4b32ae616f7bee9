import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from './entity-decorators';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/**
 * One context variable of an execution, written when a step sets or changes it: a checkpoint
 * writes the variables its step changed, not the whole context. They override the execution's own
 * `ctx` column, which holds the context as last written whole (at the insert, or by `save`).
 */
@Entity({ name: 'workflow_variables' })
export class WorkflowVariableEntity {
  @PrimaryColumn({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne(() => WorkflowExecutionEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'execution_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_workflow_variables_execution',
  })
  execution?: WorkflowExecutionEntity;

  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;
}
