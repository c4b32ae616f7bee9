import type { QueryRunner } from 'typeorm';
import { peers } from '../../../peers/peers';

/**
 * Creates index `name` on `columnNames` unless it exists (an operator may have built it beforehand
 * with `CREATE INDEX CONCURRENTLY`), then drops `old` if it is there.
 */
export async function replaceIndex(
  queryRunner: QueryRunner,
  table: string,
  old: string,
  name: string,
  columnNames: string[],
): Promise<void> {
  const found = await queryRunner.getTable(table);
  const has = (index: string) => found?.indices.some((i) => i.name === index) ?? false;
  if (!has(name)) {
    await queryRunner.createIndex(table, new (peers.typeorm().TableIndex)({ name, columnNames }));
  }
  if (has(old)) await queryRunner.dropIndex(table, old);
}
