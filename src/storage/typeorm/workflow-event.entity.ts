import { Column, Entity, Index, PrimaryColumn } from './entity-decorators';

/** Events sent, kept for the module's retention: for lookback, and so an id is accepted once. */
@Entity({ name: 'workflow_events' })
@Index('idx_workflow_events_name_sent_at', ['name', 'sentAt'])
export class WorkflowEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'jsonb', nullable: true })
  payload!: unknown;

  @Index('idx_workflow_events_sent_at')
  @Column({ name: 'sent_at', type: Date })
  sentAt!: Date;

  /** When it was sent while its deliveries are not handed off yet; null once they are. */
  @Index('idx_workflow_events_undelivered_since')
  @Column({ name: 'undelivered_since', type: Date, nullable: true })
  undeliveredSince!: Date | null;
}
