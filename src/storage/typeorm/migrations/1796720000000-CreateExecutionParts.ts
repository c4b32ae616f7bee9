import type { MigrationInterface, QueryRunner } from 'typeorm';
import { peers } from '../../../peers/peers';

/**
 * Creates the tables that keep an execution in parts, so a checkpoint writes what its step
 * changed: `workflow_variables` (one row per context variable) and `workflow_loop_values` (a loop's
 * items and one row per result).
 *
 * Existing rows are not converted: an execution written whole keeps its context and loop frames
 * in its own columns, which loads read as before; its next checkpoints add parts that override
 * them. Creating two empty tables takes no lock on `workflow_executions` beyond the brief one of
 * adding the foreign keys, so it does not hold up writes.
 */
export class CreateExecutionParts1796720000000 implements MigrationInterface {
  name = 'CreateExecutionParts1796720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { Table, TableForeignKey } = peers.typeorm();
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const uuid = postgres ? 'uuid' : 'varchar';
    const execution = (table: string) =>
      new TableForeignKey({
        name: `fk_${table}_execution`,
        columnNames: ['execution_id'],
        referencedTableName: 'workflow_executions',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      });
    await queryRunner.createTable(
      new Table({
        name: 'workflow_variables',
        columns: [
          { name: 'execution_id', type: uuid, isPrimary: true },
          { name: 'name', type: 'text', isPrimary: true },
          { name: 'value', type: 'jsonb' },
        ],
        foreignKeys: [execution('workflow_variables')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'workflow_loop_values',
        columns: [
          { name: 'execution_id', type: uuid, isPrimary: true },
          { name: 'loop', type: 'text', isPrimary: true },
          { name: 'position', type: 'integer', isPrimary: true },
          { name: 'value', type: 'jsonb' },
        ],
        foreignKeys: [execution('workflow_loop_values')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('workflow_loop_values');
    await queryRunner.dropTable('workflow_variables');
  }
}
