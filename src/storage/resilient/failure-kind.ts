import { ConcurrentUpdateError, RejectedValueError } from '../../core/store/store-errors';

/**
 * How a failed store call may be retried:
 * - `not-applied`: the backend certainly did not apply it (refused connection, rolled-back transaction);
 * - `ambiguous`: the connection broke or timed out after the request may have arrived;
 * - `permanent`: an answer, not an outage (conflict, constraint, bad data): retrying cannot help.
 *
 * Judged by what an error is (its class and its code: errno, SQLSTATE, SQLite result code, Redis
 * reply code), never by its message, which may quote values the caller sent.
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

/** Redis replies that mean the server did not run the command: loading, busy, failing over. */
const NOT_APPLIED_REPLIES = new Set([
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
]);

/** Driver errors, by class, that report a connection given up on mid-request. */
const AMBIGUOUS_CLASSES = new Set(['MaxRetriesPerRequestError', 'AbortError']);

export function classifyFailure(error: unknown): FailureKind {
  let ambiguous = false;
  for (const link of causeChain(error)) {
    // The store's own refusals: an answer about the value or the revision, whatever they quote.
    if (link instanceof RejectedValueError || link instanceof ConcurrentUpdateError)
      return 'permanent';
    const kind = kindOf(link);
    if (kind === 'not-applied') return kind;
    if (kind === 'ambiguous') ambiguous = true;
  }
  return ambiguous ? 'ambiguous' : 'permanent';
}

function kindOf(link: unknown): FailureKind | undefined {
  if (!(link instanceof Error)) return undefined;
  const code = codeOf(link);
  if (code !== undefined) {
    if (NOT_APPLIED_CODES.has(code)) return 'not-applied';
    if (AMBIGUOUS_CODES.has(code)) return 'ambiguous';
    return undefined;
  }
  if (link.name === 'ReplyError') {
    // A Redis error reply starts with its code, as a SQLSTATE names a Postgres error.
    return NOT_APPLIED_REPLIES.has(link.message.split(' ', 1)[0]) ? 'not-applied' : undefined;
  }
  if (AMBIGUOUS_CLASSES.has(link.name)) return 'ambiguous';
  // ioredis and pg report a closed connection, a command timeout or a connect timeout as a plain
  // Error with no code; a refusal always has a class or a code of its own.
  if (Object.getPrototypeOf(link) === Error.prototype) return 'ambiguous';
  return undefined;
}

/** The error, its causes, the errors it aggregates, and TypeORM's `driverError`. */
function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    yield current;
    if (current instanceof AggregateError) queue.push(...(current.errors as unknown[]));
    if (current instanceof Error) queue.push(current.cause, driverErrorOf(current));
  }
}

function driverErrorOf(error: Error): unknown {
  return (error as { driverError?: unknown }).driverError;
}

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
