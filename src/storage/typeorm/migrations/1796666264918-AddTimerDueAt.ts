import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumnUnlessPresent, createIndexUnlessPresent } from './unless-present';

const TABLE = 'workflow_executions';
const COLUMN = 'timer_due_at';
const INDEX = 'idx_workflow_executions_timer_due_at';

/**
 * Adds `timer_due_at`: when a halted execution's timer is due, null otherwise. Every checkpoint
 * writes it, so the recovery sweep finds timers whose job was lost by an index range instead of
 * reading every halted execution. Rows halted before this migration keep null; the sweep's
 * periodic check of all halted executions still covers them.
 *
 * Adding a nullable column is quick; building the index blocks writes while it builds. On a large
 * Postgres table, add both first without blocking, and this migration keeps them:
 * `ALTER TABLE workflow_executions ADD COLUMN timer_due_at timestamp`, then
 * `CREATE INDEX CONCURRENTLY idx_workflow_executions_timer_due_at ON workflow_executions (timer_due_at)`
 */
export class AddTimerDueAt1796666264918 implements MigrationInterface {
  name = 'AddTimerDueAt1796666264918';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await addColumnUnlessPresent(queryRunner, TABLE, {
      name: COLUMN,
      type: postgres ? 'timestamp' : 'datetime',
      isNullable: true,
    });
    await createIndexUnlessPresent(queryRunner, TABLE, { name: INDEX, columnNames: [COLUMN] });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
    await queryRunner.dropColumn(TABLE, COLUMN);
  }
}
