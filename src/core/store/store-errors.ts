import { DurableWorkflowError } from '../errors';

/** The store failed or refused a value; `cause` keeps the driver's error. */
export class StoreError extends DurableWorkflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A save came from a stale copy: another writer saved the execution first. Nothing was written. */
export class ConcurrentUpdateError extends StoreError {
  constructor(
    readonly executionId: string,
    readonly expectedRevision: number | undefined,
  ) {
    super(
      expectedRevision === undefined
        ? `Execution "${executionId}" already exists: a copy that was never saved cannot overwrite it. Load it and retry.`
        : `Execution "${executionId}" was changed by another writer since revision ${expectedRevision}. Nothing was written; load it again before saving.`,
    );
  }
}

/** The store refuses a value it was given (an id it can't hold, a malformed record): not an outage. */
export class RejectedValueError extends StoreError {}

/**
 * A stored record does not read back as an execution (bad JSON, a field of the wrong type): it was
 * written by something else or damaged. Loading it fails with this; lists, counts and recovery
 * leave it out, so it never stops the application or other executions.
 */
export class CorruptRecordError extends RejectedValueError {
  constructor(
    /** Where the record is: the Redis key, or the table and id. */
    readonly key: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Stored record ${key} does not read back as an execution: ${problem}. Repair the record or delete the execution; lists and recovery leave it out.`,
      options,
    );
  }
}

/** A value cannot be stored as JSON without changing its meaning. Nothing was written. */
export class UnserializableValueError extends RejectedValueError {
  constructor(
    readonly executionId: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Execution "${executionId}": ${path} cannot be stored as JSON (${reason}). Store plain objects, arrays, strings, finite numbers, booleans, null or Dates. Nothing was written.`,
    );
  }
}

/** The circuit breaker is open: the backend failed repeatedly and calls fail fast until it recovers. */
export class StoreUnavailableError extends StoreError {
  constructor(
    readonly retryInMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The workflow store is unavailable (it failed repeatedly); calls fail fast for another ${retryInMs} ms before it is tried again. Nothing was written. Check the database or Redis server.`,
      options,
    );
  }
}

/** The store's server did not answer at start-up within the time allowed: nothing was written. */
export class StoreUnreachableError extends StoreError {
  constructor(
    /** The server, as `describe()` gives it (never a password). */
    readonly where: string,
    readonly waitedMs: number,
    /** What to check: the setting that points at the server, and the one that sets the wait. */
    hint: string,
    options?: { cause?: unknown },
  ) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(
      `The store's server (${where}) did not answer within ${waitedMs} ms${reason}. ${hint}`,
      options,
    );
  }
}
