/** Error codes of a database that cannot be reached at all (as opposed to one that answered). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** The one line a failed start prints: what went wrong, and the setting to check. */
export function startFailureLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code))
    return `Cannot reach the database (${message}). Check DATABASE_URL (host, port, database) and that Postgres runs.`;
  if (/relation "?[\w.]*workflow_\w+"? does not exist/.test(message))
    return `${message}. The workflow tables are missing: start once with MIGRATIONS_RUN=true, or run \`npm run migration:run\`.`;
  return message;
}
