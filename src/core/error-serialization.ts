/** An error as it is kept on an entry: enough to read what happened, including every cause. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** The `cause` chain: an error, or a plain value that was thrown or given as cause. */
  cause?: SerializedError | { value: unknown };
}

const MAX_CAUSE_DEPTH = 10;

export function toSerializedError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'NonError', message: describe(error) };
  }
  const serialized: SerializedError = { name: error.name, message: error.message };
  if (error.stack) serialized.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') serialized.code = String(code);
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    serialized.cause =
      error.cause instanceof Error
        ? toSerializedError(error.cause, depth + 1)
        : { value: jsonValueOrText(error.cause) };
  }
  return serialized;
}

/** The text stored in `Entry.error`: JSON of `SerializedError`. */
export function serializeError(error: unknown): string {
  return JSON.stringify(toSerializedError(error));
}

/**
 * Reads `Entry.error` back. Text that is not a serialized error (written by hand or by another tool)
 * comes back as its message, so nothing stored is ever unreadable.
 */
export function deserializeError(text: string): SerializedError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isSerializedError(parsed)) return parsed;
  } catch {
    // not JSON: plain text written by something else
  }
  return { name: 'Error', message: text };
}

/** Rebuilds an `Error` with the same name, message and cause chain. */
export function reviveError(serialized: SerializedError): Error {
  const cause =
    serialized.cause === undefined
      ? undefined
      : 'value' in serialized.cause
        ? serialized.cause.value
        : reviveError(serialized.cause);
  const error = new Error(serialized.message, cause === undefined ? undefined : { cause });
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).name === 'string' &&
    typeof (value as SerializedError).message === 'string'
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonValueOrText(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return String(value);
  }
}
