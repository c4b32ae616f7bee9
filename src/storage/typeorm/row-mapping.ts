import {
  ENTRY_ACTIONS,
  EXECUTION_STATUSES,
  type Entry,
  type EntryAction,
  type Execution,
  type ExecutionStatus,
} from '../../core/types';
import { CorruptRecordError } from '../../core/store/store-errors';
import { joinParts } from '../execution-parts';

/** A row of `workflow_executions` with JSON columns already decoded and timestamps as Dates. */
export interface ExecutionRow {
  id: string;
  workflow_id: string;
  workflow_version: string;
  status: string;
  input: unknown;
  ctx: unknown;
  current_step: string | null;
  result: unknown;
  recover_to: string | null;
  halt_data: unknown;
  error: string | null;
  runtime: unknown;
  revision: number;
  created_at: Date;
  updated_at: Date;
  /** The execution's variables kept in parts, by name; null when it has none. */
  variables: unknown;
  /** Its loops' items and results kept in parts, as [loop, position, value]; null when none. */
  loop_values: unknown;
}

export interface EntryRow {
  id: string;
  execution_id: string;
  step_id: string;
  step_type: string;
  action: string;
  duration_ms: number | null;
  input: unknown;
  output: unknown;
  error: string | null;
  timestamp: Date;
}

export function toExecution(row: ExecutionRow): Execution {
  const where = `workflow_executions row "${row.id}"`;
  const variables =
    row.variables == null ? null : Object.entries(record(row.variables, `${where}: variables`));
  const loopValues = row.loop_values == null ? null : loopTriples(row.loop_values, where);
  return joinParts(wholeExecution(row, where), variables, loopValues);
}

function loopTriples(value: unknown, where: string): [string, number, unknown][] {
  const valid = (triple: unknown): triple is [string, number, unknown] =>
    Array.isArray(triple) && typeof triple[0] === 'string' && Number.isInteger(triple[1]);
  if (Array.isArray(value) && value.every(valid)) return value;
  throw corrupt(`${where}: loop values`, 'are not [loop, position, value] triples');
}

/** The execution as its own row holds it, before its parts are joined in. */
function wholeExecution(row: ExecutionRow, where: string): Execution {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    status: oneOf<ExecutionStatus>(row.status, EXECUTION_STATUSES, `${where}: status`),
    input: record(row.input, `${where}: input`),
    ctx: record(row.ctx, `${where}: ctx`),
    currentStep: row.current_step,
    result: row.result ?? null,
    recoverTo: row.recover_to,
    haltData: row.halt_data === null ? null : record(row.halt_data, `${where}: halt_data`),
    error: row.error,
    runtime: (row.runtime ?? null) as Execution['runtime'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revision: Number(row.revision),
  };
}

export function toEntry(row: EntryRow): Entry {
  return {
    id: row.id,
    executionId: row.execution_id,
    stepId: row.step_id,
    stepType: row.step_type,
    action: oneOf<EntryAction>(
      row.action,
      ENTRY_ACTIONS,
      `workflow_entries row "${row.id}": action`,
    ),
    durationMs: row.duration_ms,
    input: row.input ?? null,
    output: row.output ?? null,
    error: row.error,
    timestamp: row.timestamp,
  };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw corrupt(where, `is ${JSON.stringify(value)}, which is not one of ${allowed.join(', ')}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw corrupt(where, `holds ${JSON.stringify(value)} where an object was expected`);
}

/** `where` is "<record>: <column>". */
function corrupt(where: string, problem: string): CorruptRecordError {
  const [key, column] = where.split(': ');
  return new CorruptRecordError(key, `${column} ${problem}`);
}
