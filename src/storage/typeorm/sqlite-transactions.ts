import type { Database } from 'better-sqlite3';

/**
 * `work` as better-sqlite3's immediate transaction function, made once and called with each write's
 * values. The driver's `transaction()` builds four wrapper functions and defines their properties
 * on every call, and a closure per call would capture each write; this makes both once per kind of
 * write. Begin, commit, rollback and nesting are the driver's own prepared statements, never
 * TypeORM's query runner.
 */
export function immediateTransaction<A extends unknown[], R>(
  db: Pick<Database, 'transaction'>,
  work: (...args: A) => R,
): (...args: A) => R {
  return db.transaction(work).immediate;
}
