/**
 * How a failed store call may be retried:
 * - `not-applied`: the backend certainly did not apply it (refused connection, rolled-back transaction);
 * - `ambiguous`: the connection broke or timed out after the request may have arrived;
 * - `permanent`: an answer, not an outage (conflict, constraint, bad data): retrying cannot help.
 */
export type FailureKind = 'not-applied' | 'ambiguous' | 'permanent';

const NOT_APPLIED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '40001', // serialization_failure: the transaction was rolled back
  '40P01', // deadlock_detected: rolled back
  '53300', // too_many_connections
  '57P03', // cannot_connect_now (server starting up)
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

const AMBIGUOUS_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
]);

const NOT_APPLIED_MESSAGES = [
  /^LOADING\b/, // Redis is loading its dataset
  /^BUSY\b/, // Redis is running a script
  /^TRYAGAIN\b/,
  /enableOfflineQueue/, // ioredis refused to queue the command while disconnected
  /timeout exceeded when trying to connect/i,
  /Connection terminated due to connection timeout/i,
];

const AMBIGUOUS_MESSAGES = [
  /Connection is closed/i,
  /Connection terminated unexpectedly/i,
  /max retries per request/i,
  /Command timed out/i,
  /socket hang up/i,
];

export function classifyFailure(error: unknown): FailureKind {
  let ambiguous = false;
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    const message = link instanceof Error ? link.message : '';
    if (
      (code && NOT_APPLIED_CODES.has(code)) ||
      NOT_APPLIED_MESSAGES.some((re) => re.test(message))
    ) {
      return 'not-applied';
    }
    if ((code && AMBIGUOUS_CODES.has(code)) || AMBIGUOUS_MESSAGES.some((re) => re.test(message))) {
      ambiguous = true;
    }
  }
  return ambiguous ? 'ambiguous' : 'permanent';
}

function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    const aggregate = current instanceof AggregateError ? current.errors : [];
    for (const inner of aggregate) yield* causeChain(inner);
    current = current instanceof Error ? current.cause : undefined;
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
