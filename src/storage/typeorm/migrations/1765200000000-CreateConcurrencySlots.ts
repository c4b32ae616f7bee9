import type { MigrationInterface, QueryRunner } from 'typeorm';
import { peers } from '../../../peers/peers';

const TABLE = 'workflow_concurrency_slots';

/** Creates the table of concurrency slots and the line of executions waiting for one. */
export class CreateConcurrencySlots1765200000000 implements MigrationInterface {
  name = 'CreateConcurrencySlots1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { Table, TableIndex } = peers.typeorm();
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.createTable(
      new Table({
        name: TABLE,
        columns: [
          { name: 'execution_id', type: postgres ? 'uuid' : 'varchar', isPrimary: true },
          { name: 'workflow_id', type: 'varchar', length: '100' },
          { name: 'slot_key', type: 'varchar', length: '500' },
          { name: 'slot_limit', type: 'integer' },
          { name: 'queued_at', type: 'bigint' },
          { name: 'holder', type: 'varchar', length: '200', isNullable: true },
          { name: 'expires_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'idx_workflow_concurrency_slots_line',
            columnNames: ['workflow_id', 'slot_key', 'queued_at'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(TABLE);
  }
}
