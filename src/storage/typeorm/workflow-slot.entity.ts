import { Column, Entity, Index, PrimaryColumn } from './entity-decorators';

/**
 * One row per execution of a workflow with a concurrency limit that is in line for a slot or holds
 * one: it holds one while `expires_at` is ahead (its holder renews it), and is in line, at
 * `queued_at`, otherwise. Times are milliseconds since the epoch.
 */
@Entity({ name: 'workflow_concurrency_slots' })
@Index('idx_workflow_concurrency_slots_line', ['workflowId', 'slotKey', 'queuedAt'])
export class WorkflowSlotEntity {
  @PrimaryColumn({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @Column({ name: 'workflow_id', type: 'varchar', length: 100 })
  workflowId!: string;

  @Column({ name: 'slot_key', type: 'varchar', length: 500 })
  slotKey!: string;

  @Column({ name: 'slot_limit', type: 'integer' })
  slotLimit!: number;

  @Column({ name: 'queued_at', type: 'bigint' })
  queuedAt!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  holder!: string | null;

  @Index('idx_workflow_concurrency_slots_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', nullable: true })
  expiresAt!: string | null;
}
