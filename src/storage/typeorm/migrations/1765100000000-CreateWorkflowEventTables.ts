import type { MigrationInterface, QueryRunner } from 'typeorm';
import { peers } from '../../../peers/peers';

/**
 * Creates the tables of events on Postgres or SQLite: the index of executions waiting for an event
 * (`workflow_event_waits`, by a digest of name and match values), the match field sets waits used
 * (`workflow_event_shapes`), and the events kept for lookback (`workflow_events`).
 */
export class CreateWorkflowEventTables1765100000000 implements MigrationInterface {
  name = 'CreateWorkflowEventTables1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { Table, TableForeignKey, TableIndex } = peers.typeorm();
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const uuid = postgres ? 'uuid' : 'varchar';
    const timestamp = postgres ? 'timestamp' : 'datetime';

    await queryRunner.createTable(
      new Table({
        name: 'workflow_event_waits',
        columns: [
          { name: 'execution_id', type: uuid, isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'match_key', type: 'varchar', length: '64' },
        ],
        indices: [
          new TableIndex({
            name: 'idx_workflow_event_waits_match_key',
            columnNames: ['match_key'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_workflow_event_waits_execution',
            columnNames: ['execution_id'],
            referencedTableName: 'workflow_executions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'workflow_event_shapes',
        columns: [
          { name: 'name', type: 'varchar', length: '200', isPrimary: true },
          { name: 'fields', type: 'varchar', length: '2000', isPrimary: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'workflow_events',
        columns: [
          { name: 'id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'payload', type: 'jsonb', isNullable: true },
          { name: 'sent_at', type: timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'idx_workflow_events_name_sent_at',
            columnNames: ['name', 'sent_at'],
          }),
          new TableIndex({ name: 'idx_workflow_events_sent_at', columnNames: ['sent_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('workflow_events');
    await queryRunner.dropTable('workflow_event_shapes');
    await queryRunner.dropTable('workflow_event_waits');
  }
}
