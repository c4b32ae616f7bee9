import {
  ENTRY_ACTIONS,
  EXECUTION_STATUSES,
  type Entry,
  type EntryAction,
  type Execution,
  type ExecutionStatus,
} from '../../core/types';
import { CorruptRecordError } from '../../core/store/store-errors';
import type { EncodedEntry, EncodedExecution } from '../store-input';
import { joinParts, LOOP_ITEMS_INDEX, type EncodedParts } from '../execution-parts';
import { isoTime } from '../iso-time';

/**
 * What the scripts return beside an execution's data: the state a checkpoint in parts wrote over
 * it (null when none), its variables as name/JSON pairs ('' marks one removed), and its loops as
 * loop key, items JSON ('' for none) and the results' JSON.
 */
export type RedisParts = [state: string | null, variables: string[], loops: (string | string[])[]];

/** The execution as one JSON document; JSON fields are spliced in already encoded. */
export function executionDocument(
  execution: Execution,
  encoded: EncodedExecution,
  updatedAt: Date,
): string {
  return `${scalarsOf(execution, updatedAt)},"input":${encoded.input},"ctx":${encoded.ctx},"result":${encoded.result ?? 'null'},"haltData":${encoded.haltData ?? 'null'},"runtime":${encoded.runtime ?? 'null'}}`;
}

/** What a checkpoint in parts writes over the data: every field but the input and the context. */
export function stateDocument(execution: Execution, parts: EncodedParts, updatedAt: Date): string {
  return `${scalarsOf(execution, updatedAt)},"result":${parts.result ?? 'null'},"haltData":${parts.haltData ?? 'null'},"runtime":${parts.runtime ?? 'null'}}`;
}

/**
 * A value as JSON, and an absent one (undefined, a function) as null: what reading back the
 * document gives for it either way.
 */
const text = (value: unknown): string => JSON.stringify(value) ?? 'null';

/**
 * The execution's fields that are not JSON, as the opening of its document (without the closing
 * brace). Written out rather than through `JSON.stringify` of an object, which costs as much again
 * per checkpoint; the key order is the one that object had.
 */
function scalarsOf(execution: Execution, updatedAt: Date): string {
  return `{"id":${text(execution.id)},"workflowId":${text(execution.workflowId)},"workflowVersion":${text(execution.workflowVersion)},"status":${text(execution.status)},"currentStep":${text(execution.currentStep)},"recoverTo":${text(execution.recoverTo)},"error":${text(execution.error)},"createdAt":"${isoTime(execution.createdAt)}","updatedAt":"${isoTime(updatedAt)}"`;
}

export function entryDocument(entry: Entry, encoded: EncodedEntry): string {
  return `{"id":${text(entry.id)},"executionId":${text(entry.executionId)},"stepId":${text(entry.stepId)},"stepType":${text(entry.stepType)},"action":${text(entry.action)},"durationMs":${text(entry.durationMs)},"error":${text(entry.error)},"timestamp":"${isoTime(entry.timestamp)}","input":${encoded.input ?? 'null'},"output":${encoded.output ?? 'null'}}`;
}

export function parseExecution(
  key: string,
  data: string,
  revision: string,
  parts?: RedisParts,
): Execution {
  const doc = parseObject(key, data);
  if (parts?.[0]) Object.assign(doc, parseObject(`${key} (state)`, parts[0]));
  const execution = wholeExecution(key, doc, revision);
  if (!parts) return execution;
  const variables: [string, unknown][] = [];
  const removed: string[] = [];
  const [, flatVariables, flatLoops] = parts;
  for (let i = 0; i < flatVariables.length; i += 2) {
    const [name, json] = [flatVariables[i], flatVariables[i + 1]];
    if (json === '') removed.push(name);
    else variables.push([name, parseJson(`${key} variable ${name}`, json)]);
  }
  const loopValues: [string, number, unknown][] = [];
  for (let i = 0; i < flatLoops.length; i += 3) {
    const [loop, items, results] = flatLoops.slice(i, i + 3) as [string, string, string[]];
    const where = `${key} loop ${loop}`;
    if (items !== '') loopValues.push([loop, LOOP_ITEMS_INDEX, parseJson(where, items)]);
    results.forEach((json, index) => loopValues.push([loop, index, parseJson(where, json)]));
  }
  return joinParts(execution, variables, loopValues, removed);
}

function wholeExecution(key: string, doc: Record<string, unknown>, revision: string): Execution {
  const field = fieldReader(key, doc);
  return {
    id: field.text('id'),
    workflowId: field.text('workflowId'),
    workflowVersion: field.text('workflowVersion'),
    status: field.oneOf<ExecutionStatus>('status', EXECUTION_STATUSES),
    input: field.record('input'),
    ctx: field.record('ctx'),
    currentStep: field.nullableText('currentStep'),
    result: doc['result'] ?? null,
    recoverTo: field.nullableText('recoverTo'),
    haltData: doc['haltData'] === null ? null : field.record('haltData'),
    error: field.nullableText('error'),
    runtime:
      doc['runtime'] == null ? null : (field.record('runtime') as unknown as Execution['runtime']),
    createdAt: field.date('createdAt'),
    updatedAt: field.date('updatedAt'),
    revision: wholeNumber(key, revision),
  };
}

export function parseEntry(key: string, data: string): Entry {
  const doc = parseObject(key, data);
  const field = fieldReader(key, doc);
  const duration = doc['durationMs'];
  if (duration !== null && typeof duration !== 'number') {
    throw new CorruptRecordError(
      `Redis key ${key}`,
      `durationMs is ${JSON.stringify(duration)}, not a number`,
    );
  }
  return {
    id: field.text('id'),
    executionId: field.text('executionId'),
    stepId: field.text('stepId'),
    stepType: field.text('stepType'),
    action: field.oneOf<EntryAction>('action', ENTRY_ACTIONS),
    durationMs: duration,
    input: doc['input'] ?? null,
    output: doc['output'] ?? null,
    error: field.nullableText('error'),
    timestamp: field.date('timestamp'),
  };
}

function parseJson(key: string, data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (cause) {
    throw new CorruptRecordError(`Redis key ${key}`, 'it holds text that is not valid JSON', {
      cause,
    });
  }
}

function parseObject(key: string, data: string): Record<string, unknown> {
  const parsed = parseJson(key, data);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CorruptRecordError(`Redis key ${key}`, 'it holds JSON that is not an object');
  }
  return parsed as Record<string, unknown>;
}

function wholeNumber(key: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) {
    throw new CorruptRecordError(
      `Redis key ${key}`,
      `revision is ${JSON.stringify(text)}, not a whole number`,
    );
  }
  return value;
}

function fieldReader(key: string, doc: Record<string, unknown>) {
  const fail = (name: string, expected: string): never => {
    throw new CorruptRecordError(
      `Redis key ${key}`,
      `${name} is ${JSON.stringify(doc[name])}, where ${expected} was expected`,
    );
  };
  return {
    text(name: string): string {
      const value = doc[name];
      return typeof value === 'string' ? value : fail(name, 'a string');
    },
    nullableText(name: string): string | null {
      const value = doc[name] ?? null;
      return value === null || typeof value === 'string' ? value : fail(name, 'a string or null');
    },
    oneOf<T extends string>(name: string, allowed: readonly T[]): T {
      const value = doc[name];
      return (allowed as readonly unknown[]).includes(value)
        ? (value as T)
        : fail(name, `one of ${allowed.join(', ')}`);
    },
    record(name: string): Record<string, unknown> {
      const value = doc[name];
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : fail(name, 'an object');
    },
    date(name: string): Date {
      const value = doc[name];
      const date = typeof value === 'string' ? new Date(value) : null;
      return date && !Number.isNaN(date.getTime()) ? date : fail(name, 'an ISO-8601 time');
    },
  };
}
