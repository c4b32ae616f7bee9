import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceIndex } from './replace-index';

const TABLE = 'workflow_executions';
const BY_STATUS = 'idx_workflow_executions_status';
const BY_WORKFLOW_AND_STATUS = 'idx_workflow_executions_workflow_status';
const BY_STATUS_NEWEST = 'idx_workflow_executions_status_created';
const BY_WORKFLOW_STATUS_NEWEST = 'idx_workflow_executions_workflow_status_created';

/**
 * `find` by status, or by workflow and status, returns the newest first. With indexes on the status
 * columns alone, Postgres walks `created_at` backwards and skips every row of another status: at a
 * million executions a page of halted ones read some 20,000 rows. These indexes end with
 * `(created_at, id)`, the order and the keyset of `find`, so a page reads only its own rows; they
 * replace the two they extend (counts by workflow and status still read an index alone).
 *
 * Building an index blocks writes to the table while it builds. On a large Postgres table, create
 * both first without blocking, and this migration keeps them:
 * `CREATE INDEX CONCURRENTLY idx_workflow_executions_status_created ON workflow_executions (status, created_at, id)`
 * `CREATE INDEX CONCURRENTLY idx_workflow_executions_workflow_status_created ON workflow_executions (workflow_id, status, created_at, id)`
 */
export class IndexExecutionsForFlatFinds1765000000000 implements MigrationInterface {
  name = 'IndexExecutionsForFlatFinds1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, TABLE, BY_STATUS, BY_STATUS_NEWEST, [
      'status',
      'created_at',
      'id',
    ]);
    await replaceIndex(queryRunner, TABLE, BY_WORKFLOW_AND_STATUS, BY_WORKFLOW_STATUS_NEWEST, [
      'workflow_id',
      'status',
      'created_at',
      'id',
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, TABLE, BY_WORKFLOW_STATUS_NEWEST, BY_WORKFLOW_AND_STATUS, [
      'workflow_id',
      'status',
    ]);
    await replaceIndex(queryRunner, TABLE, BY_STATUS_NEWEST, BY_STATUS, ['status']);
  }
}
