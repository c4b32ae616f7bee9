import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addColumnUnlessPresent, createIndexUnlessPresent } from './unless-present';

const TABLE = 'workflow_events';
const COLUMN = 'undelivered_since';
const INDEX = 'idx_workflow_events_undelivered_since';

/**
 * Adds `undelivered_since`: an event's send time until its deliveries are handed off, null after.
 * Events whose sender stopped in between are found by an index range and delivered again. Events
 * kept before this migration keep null: they count as delivered, as they were before.
 *
 * Events are pruned after their retention, so the table stays small; on a large one, add the
 * column and `CREATE INDEX CONCURRENTLY idx_workflow_events_undelivered_since ON workflow_events
 * (undelivered_since)` first, and this migration keeps them.
 */
export class AddEventUndeliveredSince1796712000000 implements MigrationInterface {
  name = 'AddEventUndeliveredSince1796712000000';

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
