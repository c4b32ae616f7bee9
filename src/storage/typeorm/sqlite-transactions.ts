import type { Database } from 'better-sqlite3';

/** How the SQLite dialect runs a write: `transaction(work).immediate()`, as better-sqlite3 does. */
export interface SqliteTransactions {
  transaction<T>(work: () => T): { immediate(): T };
}

/**
 * better-sqlite3's `transaction(work).immediate()` through one transaction function made once. The
 * driver's own `transaction()` builds four wrapper functions and defines their properties on every
 * call, which is once per checkpoint; nesting, commit and rollback are the driver's as before.
 */
export function reusedTransactions(db: Database): SqliteTransactions {
  const inTransaction = db.transaction((work: () => unknown) => work());
  return {
    transaction: <T>(work: () => T) => ({ immediate: () => inTransaction.immediate(work) as T }),
  };
}
