import type { QueryRunner, TableColumnOptions, TableIndexOptions } from 'typeorm';
import { peers } from '../../../peers/peers';

/**
 * Adds the column unless it is there: an operator may have added it beforehand, without blocking
 * writes, and the migration then keeps theirs.
 */
export async function addColumnUnlessPresent(
  queryRunner: QueryRunner,
  table: string,
  column: TableColumnOptions,
): Promise<void> {
  if (await queryRunner.hasColumn(table, column.name)) return;
  const { TableColumn } = peers.typeorm();
  await queryRunner.addColumn(table, new TableColumn(column));
}

/**
 * Builds the index unless one of its name is there: on a large Postgres table an operator builds it
 * first with `CREATE INDEX CONCURRENTLY`, and the migration then keeps theirs.
 */
export async function createIndexUnlessPresent(
  queryRunner: QueryRunner,
  table: string,
  index: TableIndexOptions & { name: string },
): Promise<void> {
  const existing = await queryRunner.getTable(table);
  if (existing?.indices.some((each) => each.name === index.name)) return;
  const { TableIndex } = peers.typeorm();
  await queryRunner.createIndex(table, new TableIndex(index));
}
