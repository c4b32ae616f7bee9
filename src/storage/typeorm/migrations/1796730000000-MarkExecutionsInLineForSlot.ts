import type { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { addColumnUnlessPresent, createIndexUnlessPresent } from './unless-present';

const TABLE = 'workflow_executions';
const COLUMN = 'in_line_for_slot';
const INDEX = 'idx_workflow_executions_claimable';
const SLOTS = 'workflow_concurrency_slots';
const OUT_OF_LINE = `status IN ('pending', 'running') AND NOT in_line_for_slot`;

/**
 * Adds `in_line_for_slot`, true while an execution waits in line for a concurrency slot without
 * holding one, and a partial index of the pending and running executions not in line, by
 * `(created_at, id)`. The recovery sweep's `findClaimable` walks that index, so executions in line
 * are never read: before, it read every one of them and looked its slot up. The executions in line
 * now are marked here; the slot statements keep the mark from then on.
 *
 * Adding a column with a constant default is quick; building the index blocks writes while it
 * builds. On a large Postgres table, add both first without blocking, and this migration keeps them:
 * `ALTER TABLE workflow_executions ADD COLUMN in_line_for_slot boolean NOT NULL DEFAULT false`, then
 * `CREATE INDEX CONCURRENTLY idx_workflow_executions_claimable ON workflow_executions (created_at, id) WHERE status IN ('pending', 'running') AND NOT in_line_for_slot`
 */
export class MarkExecutionsInLineForSlot1796730000000 implements MigrationInterface {
  name = 'MarkExecutionsInLineForSlot1796730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // SQLite keeps a boolean as 0 or 1, and its default so.
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await addColumnUnlessPresent(queryRunner, TABLE, {
      name: COLUMN,
      type: 'boolean',
      default: postgres ? 'false' : '0',
    });
    const table = await queryRunner.getTable(TABLE);
    const slots = await queryRunner.getTable(SLOTS);
    if (!table || !slots) throw new Error(`${TABLE} and ${SLOTS} must exist before ${this.name}`);
    // Reads only the slot rows in line: the slot table holds no others but the live slots.
    await queryRunner.query(
      `UPDATE ${path(queryRunner, table)} SET ${COLUMN} = true WHERE id IN (
         SELECT execution_id FROM ${path(queryRunner, slots)} WHERE expires_at IS NULL)`,
    );
    await createIndexUnlessPresent(queryRunner, TABLE, {
      name: INDEX,
      columnNames: ['created_at', 'id'],
      where: OUT_OF_LINE,
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
    await queryRunner.dropColumn(TABLE, COLUMN);
  }
}

/** The table's name as a statement names it, with its schema when it is not the default one. */
function path(queryRunner: QueryRunner, table: Table): string {
  const { driver } = queryRunner.connection;
  return table.name
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
}
