import { Column, Entity, Index, PrimaryColumn } from './entity-decorators';
import { CLAIMABLE_OUT_OF_LINE } from './sql-slots';

/**
 * One row per execution. Timestamps are UTC (`timestamp` on Postgres, `datetime` on SQLite, as Rails
 * keeps them); the store reads and writes them itself and never depends on the process's time zone.
 */
@Entity({ name: 'workflow_executions' })
@Index('idx_workflow_executions_workflow_status_created', [
  'workflowId',
  'status',
  'createdAt',
  'id',
])
@Index('idx_workflow_executions_status_created', ['status', 'createdAt', 'id'])
@Index('idx_workflow_executions_claimable', ['createdAt', 'id'], { where: CLAIMABLE_OUT_OF_LINE })
export class WorkflowExecutionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'workflow_id', type: 'varchar', length: 100 })
  workflowId!: string;

  @Column({ name: 'workflow_version', type: 'varchar', length: 50 })
  workflowVersion!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ type: 'jsonb' })
  input!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  ctx!: Record<string, unknown>;

  @Column({ name: 'current_step', type: 'varchar', length: 200, nullable: true })
  currentStep!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @Column({ name: 'recover_to', type: 'varchar', length: 200, nullable: true })
  recoverTo!: string | null;

  @Column({ name: 'halt_data', type: 'jsonb', nullable: true })
  haltData!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The engine's position inside loops and sub-workflows, and the last resume's payload. */
  @Column({ type: 'jsonb', nullable: true })
  runtime!: Record<string, unknown> | null;

  /** Optimistic-concurrency counter: every save and every claim adds one. */
  @Column({ type: 'integer' })
  revision!: number;

  /** How many entries the trail holds; gives each entry its position. */
  @Column({ name: 'entry_count', type: 'integer' })
  entryCount!: number;

  @Column({ name: 'lease_owner', type: 'varchar', length: 200, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: Date, nullable: true })
  leaseExpiresAt!: Date | null;

  /** When a halted execution's timer is due; null when it waits on no timer or is not halted. */
  @Index('idx_workflow_executions_timer_due_at')
  @Column({ name: 'timer_due_at', type: Date, nullable: true })
  timerDueAt!: Date | null;

  /** True while the execution waits in line for a concurrency slot without holding one. */
  @Column({ name: 'in_line_for_slot', type: 'boolean', default: false })
  inLineForSlot!: boolean;

  @Index('idx_workflow_executions_created_at')
  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
