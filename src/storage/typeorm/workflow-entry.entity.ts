import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from './entity-decorators';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/** One row per step outcome; `seq` is the entry's position in its execution's trail. */
@Entity({ name: 'workflow_entries' })
@Index('idx_workflow_entries_execution_seq', ['executionId', 'seq'], { unique: true })
export class WorkflowEntryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('idx_workflow_entries_execution_id')
  @Column({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne(() => WorkflowExecutionEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'execution_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'fk_workflow_entries_execution',
  })
  execution?: WorkflowExecutionEntity;

  @Column({ type: 'integer' })
  seq!: number;

  @Index('idx_workflow_entries_step_id')
  @Column({ name: 'step_id', type: 'varchar', length: 200 })
  stepId!: string;

  @Column({ name: 'step_type', type: 'varchar', length: 50 })
  stepType!: string;

  @Column({ type: 'varchar', length: 20 })
  action!: string;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  input!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  output!: unknown;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Index('idx_workflow_entries_timestamp')
  @Column({ type: Date })
  timestamp!: Date;
}
