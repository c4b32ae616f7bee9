import { ENTRY_ACTIONS, EXECUTION_STATUSES, type Entry, type Execution } from '../core/types';
import { assertJsonSafe } from './serialization/json-safety';
import { RejectedValueError } from '../core/store/store-errors';
import type { LeaseClaim } from '../core/store/workflow-store';

/** An execution's JSON fields as text, checked to come back exactly as given. */
export interface EncodedExecution {
  input: string;
  ctx: string;
  result: string | null;
  haltData: string | null;
  runtime: string | null;
}

export interface EncodedEntry {
  input: string | null;
  output: string | null;
}

/** Validates every field a store writes and encodes the JSON ones, before anything is written. */
export function encodeExecution(execution: Execution): EncodedExecution {
  const id = checkExecutionFields(execution);
  requirePlainRecord(id, 'input', execution.input);
  requirePlainRecord(id, 'ctx', execution.ctx);
  if (execution.runtime != null) requirePlainRecord(id, 'runtime', execution.runtime);
  assertJsonSafe(id, 'input', execution.input);
  assertJsonSafe(id, 'ctx', execution.ctx);
  const state = encodeExecutionState(execution);
  if (execution.runtime != null) assertJsonSafe(id, 'runtime', execution.runtime);
  // A literal, not a spread of `state`: V8 copies a spread object with added keys slowly, microseconds
  // per checkpoint.
  return {
    result: state.result,
    haltData: state.haltData,
    input: JSON.stringify(execution.input),
    ctx: JSON.stringify(execution.ctx),
    runtime: encodeOptional(execution.runtime),
  };
}

/** Checks the execution's fields that are not JSON; returns its id. */
export function checkExecutionFields(execution: Execution): string {
  const id = requireText('execution id', execution.id);
  requireText(`execution "${id}": workflowId`, execution.workflowId);
  requireText(`execution "${id}": workflowVersion`, execution.workflowVersion);
  if (!EXECUTION_STATUSES.includes(execution.status)) {
    throw new RejectedValueError(
      `Execution "${id}": status ${JSON.stringify(execution.status)} is not one of ${EXECUTION_STATUSES.join(', ')}.`,
    );
  }
  requireDate(`execution "${id}": createdAt`, execution.createdAt);
  if (execution.haltData !== null) requirePlainRecord(id, 'haltData', execution.haltData);
  const revision = execution.revision;
  if (revision !== undefined && !(Number.isInteger(revision) && revision >= 0)) {
    throw new RejectedValueError(
      `Execution "${id}": revision must be a whole number, got ${revision}.`,
    );
  }
  return id;
}

/** The result and the halt data, checked and encoded. */
export function encodeExecutionState(
  execution: Execution,
): Pick<EncodedExecution, 'result' | 'haltData'> {
  const { id } = execution;
  if (execution.result !== undefined) assertJsonSafe(id, 'result', execution.result);
  assertJsonSafe(id, 'haltData', execution.haltData);
  return {
    result: encodeOptional(execution.result),
    haltData: encodeOptional(execution.haltData),
  };
}

export function encodeEntry(entry: Entry, index = 0): EncodedEntry {
  const where = `entry ${index} of execution "${entry.executionId}"`;
  requireText(`${where}: id`, entry.id);
  requireText(`${where}: stepId`, entry.stepId);
  requireText(`${where}: stepType`, entry.stepType);
  if (!ENTRY_ACTIONS.includes(entry.action)) {
    throw new RejectedValueError(
      `${where}: action ${JSON.stringify(entry.action)} is not one of ${ENTRY_ACTIONS.join(', ')}.`,
    );
  }
  requireDate(`${where}: timestamp`, entry.timestamp);
  if (entry.durationMs !== null && !(Number.isInteger(entry.durationMs) && entry.durationMs >= 0)) {
    throw new RejectedValueError(
      `${where}: durationMs must be a whole non-negative number or null.`,
    );
  }
  const step = `entries[${index}](${entry.stepId})`;
  if (entry.input !== undefined) assertJsonSafe(entry.executionId, `${step}.input`, entry.input);
  if (entry.output !== undefined) assertJsonSafe(entry.executionId, `${step}.output`, entry.output);
  return { input: encodeOptional(entry.input), output: encodeOptional(entry.output) };
}

/** Entries of one checkpoint must belong to the execution being saved. */
export function encodeCheckpointEntries(
  execution: Execution,
  entries: readonly Entry[],
): EncodedEntry[] {
  return entries.map((entry, index) => {
    if (entry.executionId !== execution.id) {
      throw new RejectedValueError(
        `Entry ${index} (${entry.stepId}) belongs to execution "${entry.executionId}", not to "${execution.id}" being checkpointed.`,
      );
    }
    return encodeEntry(entry, index);
  });
}

export function resolveLimit(limit: number | undefined, fallback: number, method: string): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RejectedValueError(`${method}: limit must be a positive whole number, got ${limit}.`);
  }
  return limit;
}

/** `deleteFinished`'s moment, refused unless it is a valid Date. */
export function resolveCreatedBefore(value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RejectedValueError(
      `deleteFinished: createdBefore must be a valid Date, got ${String(value)}.`,
    );
  }
  return value;
}

export function resolveDueBefore(value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RejectedValueError(
      `findDueTimers: dueBefore must be a valid Date, got ${String(value)}.`,
    );
  }
  return value;
}

/** `find`'s `before` names an execution that is not there (deleted, expired, or never was). */
export function missingCursor(executionId: string): RejectedValueError {
  return new RejectedValueError(
    `find: before names execution "${executionId}", which does not exist; page from the start again.`,
  );
}

/** Refuses a checkpoint's lease claim that can't be taken: a bad ttl, or no stored execution yet. */
export function requireClaimable(execution: Execution, claim: LeaseClaim | undefined): void {
  if (claim === undefined) return;
  resolveTtl(claim.ttlMs, 'checkpoint');
  if (execution.revision === undefined)
    throw new RejectedValueError(
      `checkpoint: claimLeaseFor takes the lease of a stored execution; execution "${execution.id}" has no revision yet (insert it first, then claim).`,
    );
}

export function resolveTtl(ttlMs: number, method: string): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new RejectedValueError(
      `${method}: ttlMs must be a positive whole number of milliseconds, got ${ttlMs}.`,
    );
  }
  return ttlMs;
}

export function parseStoredJson(text: string | null, where: string): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new RejectedValueError(`${where} holds data that is not valid JSON.`, { cause });
  }
}

export function encodeOptional(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function requireText(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RejectedValueError(
      `${what} must be a non-empty string, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function requireDate(what: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RejectedValueError(`${what} must be a valid Date.`);
  }
}

export function requirePlainRecord(id: string, field: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RejectedValueError(
      `Execution "${id}": ${field} must be an object, got ${describeKind(value)}.`,
    );
  }
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * The execution as a write saved it: its new revision and update time. Built field by field, not
 * spread: a spread that adds `revision` (an execution's first write) is copied slowly by V8.
 */
export function savedAs(execution: Execution, revision: number, updatedAt: Date): Execution {
  const saved: Execution = {
    id: execution.id,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    input: execution.input,
    ctx: execution.ctx,
    currentStep: execution.currentStep,
    result: execution.result,
    recoverTo: execution.recoverTo,
    haltData: execution.haltData,
    error: execution.error,
    createdAt: execution.createdAt,
    updatedAt,
    revision,
  };
  // Left out as it was: a store keeps no runtime for an execution written without one.
  if (execution.runtime !== undefined) saved.runtime = execution.runtime;
  return saved;
}
