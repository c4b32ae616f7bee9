import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Replaces the index on `workflow_id` with one on `(workflow_id, status)`: it serves the same
 * lookups by workflow, and lets counts by workflow and status, and lists filtered by both, read the
 * index alone. One index for another, so writes cost no more.
 */
export class IndexExecutionsByWorkflowAndStatus1764900000000 implements MigrationInterface {
  name = 'IndexExecutionsByWorkflowAndStatus1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'workflow_executions',
      new TableIndex({
        name: 'idx_workflow_executions_workflow_status',
        columnNames: ['workflow_id', 'status'],
      }),
    );
    await queryRunner.dropIndex('workflow_executions', 'idx_workflow_executions_workflow_id');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'workflow_executions',
      new TableIndex({ name: 'idx_workflow_executions_workflow_id', columnNames: ['workflow_id'] }),
    );
    await queryRunner.dropIndex('workflow_executions', 'idx_workflow_executions_workflow_status');
  }
}
