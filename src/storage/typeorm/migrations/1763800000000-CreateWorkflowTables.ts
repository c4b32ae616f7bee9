import type { MigrationInterface, QueryRunner } from 'typeorm';
import { peers } from '../../../peers/peers';

/**
 * Creates `workflow_executions` and `workflow_entries` on Postgres or SQLite (better-sqlite3) through
 * the QueryRunner schema API, so one migration serves both. Timestamps are UTC.
 */
export class CreateWorkflowTables1763800000000 implements MigrationInterface {
  name = 'CreateWorkflowTables1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { Table, TableForeignKey, TableIndex } = peers.typeorm();
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const uuid = postgres ? 'uuid' : 'varchar';
    const timestamp = postgres ? 'timestamp' : 'datetime';

    await queryRunner.createTable(
      new Table({
        name: 'workflow_executions',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'workflow_id', type: 'varchar', length: '100' },
          { name: 'workflow_version', type: 'varchar', length: '50' },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'input', type: 'jsonb' },
          { name: 'ctx', type: 'jsonb' },
          { name: 'current_step', type: 'varchar', length: '200', isNullable: true },
          { name: 'result', type: 'jsonb', isNullable: true },
          { name: 'recover_to', type: 'varchar', length: '200', isNullable: true },
          { name: 'halt_data', type: 'jsonb', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'runtime', type: 'jsonb', isNullable: true },
          { name: 'revision', type: 'integer' },
          { name: 'entry_count', type: 'integer' },
          { name: 'lease_owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'lease_expires_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'idx_workflow_executions_workflow_id',
            columnNames: ['workflow_id'],
          }),
          new TableIndex({ name: 'idx_workflow_executions_status', columnNames: ['status'] }),
          new TableIndex({
            name: 'idx_workflow_executions_created_at',
            columnNames: ['created_at'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'workflow_entries',
        columns: [
          { name: 'id', type: uuid, isPrimary: true },
          { name: 'execution_id', type: uuid },
          { name: 'seq', type: 'integer' },
          { name: 'step_id', type: 'varchar', length: '200' },
          { name: 'step_type', type: 'varchar', length: '50' },
          { name: 'action', type: 'varchar', length: '20' },
          { name: 'duration_ms', type: 'integer', isNullable: true },
          { name: 'input', type: 'jsonb', isNullable: true },
          { name: 'output', type: 'jsonb', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'timestamp', type: timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'idx_workflow_entries_execution_id',
            columnNames: ['execution_id'],
          }),
          new TableIndex({
            name: 'idx_workflow_entries_execution_seq',
            columnNames: ['execution_id', 'seq'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_workflow_entries_step_id', columnNames: ['step_id'] }),
          new TableIndex({ name: 'idx_workflow_entries_timestamp', columnNames: ['timestamp'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_workflow_entries_execution',
            columnNames: ['execution_id'],
            referencedTableName: 'workflow_executions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('workflow_entries');
    await queryRunner.dropTable('workflow_executions');
  }
}
