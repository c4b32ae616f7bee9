import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceIndex } from './replace-index';

const TABLE = 'workflow_executions';
const BY_WORKFLOW = 'idx_workflow_executions_workflow_id';
const BY_WORKFLOW_AND_STATUS = 'idx_workflow_executions_workflow_status';

/**
 * Replaces the index on `workflow_id` with one on `(workflow_id, status)`: it serves the same
 * lookups by workflow, and counts by workflow and status read it alone. One index for another, so
 * writes cost no more. Building it holds a lock that blocks writes to the table for as long as the
 * build takes; on a large Postgres table, create it first with
 * `CREATE INDEX CONCURRENTLY idx_workflow_executions_workflow_status ON workflow_executions (workflow_id, status)`
 * and this migration keeps it.
 */
export class IndexExecutionsByWorkflowAndStatus1764900000000 implements MigrationInterface {
  name = 'IndexExecutionsByWorkflowAndStatus1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, TABLE, BY_WORKFLOW, BY_WORKFLOW_AND_STATUS, [
      'workflow_id',
      'status',
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceIndex(queryRunner, TABLE, BY_WORKFLOW_AND_STATUS, BY_WORKFLOW, ['workflow_id']);
  }
}
