/**
 * Execution ids are case-insensitive and kept in lower case: Postgres reads a UUID in any case as
 * the same one, SQLite and Redis would keep two, and an idempotency key must not be bypassed by
 * changing its case.
 */
export function normalizeExecutionId(executionId: string): string {
  return executionId.toLowerCase();
}
