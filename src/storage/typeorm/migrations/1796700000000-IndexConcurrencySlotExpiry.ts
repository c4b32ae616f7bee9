import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexUnlessPresent } from './unless-present';

const TABLE = 'workflow_concurrency_slots';
const INDEX = 'idx_workflow_concurrency_slots_expires_at';

/**
 * Indexes concurrency slots by expiry, so the recovery sweep finds slots that lapsed (a worker died
 * after its run ended, before giving its slot up) by a range read, without reading the executions
 * in line. The table holds only executions in line or holding a slot, so the index builds quickly;
 * on Postgres it can be built beforehand with
 * `CREATE INDEX CONCURRENTLY idx_workflow_concurrency_slots_expires_at ON workflow_concurrency_slots (expires_at)`,
 * and this migration keeps it.
 */
export class IndexConcurrencySlotExpiry1796700000000 implements MigrationInterface {
  name = 'IndexConcurrencySlotExpiry1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexUnlessPresent(queryRunner, TABLE, {
      name: INDEX,
      columnNames: ['expires_at'],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
  }
}
