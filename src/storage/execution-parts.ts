import type { CheckpointChanges } from '../core/store/workflow-store';
import type { Execution, ExecutionRuntime, HistoryItem, RuntimeFrame } from '../core/types';
import { assertJsonSafe } from './serialization/json-safety';
import {
  checkExecutionFields,
  encodeExecutionState,
  encodeOptional,
  requirePlainRecord,
  type EncodedExecution,
} from './store-input';

/**
 * Stores that keep an execution in parts: each context variable on its own, and each loop's items
 * (at index -1) and results (from index 0) under the loop's key, beside an execution whose runtime
 * holds its loop frames as cursors. A checkpoint writes the parts that changed; a load joins them
 * back. An execution written whole (an insert, `save`, or before parts were kept) has its context
 * and frames in its own fields, and parts override them.
 */

/** The index a loop's items are kept at, before its results. */
export const LOOP_ITEMS_INDEX = -1;

/** The key `$history` is kept under among the loops (whose keys all have a colon). */
export const HISTORY_KEY = 'history';

/** The key a store that keeps the input in parts keeps it under, at position 0. */
export const INPUT_KEY = 'input';

/** One stored value of a loop: its items, or one result. */
export interface EncodedLoopValue {
  loop: string;
  index: number;
  value: string;
}

/** Rows of a loop outside `[keepFrom, keepBelow)` go: a loop that ended, or began again. */
export interface LoopTrim {
  loop: string;
  keepFrom: number;
  keepBelow: number;
}

/** What a checkpoint in parts writes, encoded and checked. */
export interface EncodedParts extends Pick<EncodedExecution, 'result' | 'haltData'> {
  /** The runtime with the frames of loops kept in parts as cursors (no items, no results). */
  runtime: string | null;
  variables: [name: string, json: string][];
  removedVariables: string[];
  loopValues: EncodedLoopValue[];
  loopTrims: LoopTrim[];
}

export function encodeParts(execution: Execution, changes: CheckpointChanges): EncodedParts {
  const id = checkExecutionFields(execution);
  requirePlainRecord(id, 'ctx', execution.ctx);
  const variables = changes.setVariables.map((name): [string, string] => {
    const value = execution.ctx[name];
    assertJsonSafe(id, `ctx.${name}`, value);
    return [name, JSON.stringify(value)];
  });
  const state = encodeExecutionState(execution);
  const loopValues: EncodedLoopValue[] = [];
  const loopTrims: LoopTrim[] = changes.endedLoops.map((loop) => ({
    loop,
    keepFrom: 0,
    keepBelow: LOOP_ITEMS_INDEX,
  }));
  const frames = execution.runtime?.frames ?? [];
  for (const change of changes.loops) {
    const frame = frames[change.frame];
    if (frame?.type !== 'loop') continue;
    const at = `runtime.frames[${change.frame}]`;
    if (change.begun && frame.items !== null) {
      assertJsonSafe(id, `${at}.items`, frame.items);
      loopValues.push(value(change.key, LOOP_ITEMS_INDEX, frame.items));
    }
    for (let index = change.appendFrom; index < frame.results.length; index++) {
      assertJsonSafe(id, `${at}.results[${index}]`, frame.results[index]);
      loopValues.push(value(change.key, index, frame.results[index]));
    }
    if (change.begun) {
      const keepFrom = frame.items === null ? 0 : LOOP_ITEMS_INDEX;
      loopTrims.push({ loop: change.key, keepFrom, keepBelow: frame.results.length });
    }
  }
  const history = execution.runtime?.history;
  if (changes.history && history) {
    for (let index = changes.history.appendFrom; index < history.length; index++) {
      assertJsonSafe(id, `runtime.history[${index}]`, history[index]);
      loopValues.push(value(HISTORY_KEY, index, history[index]));
    }
    if (changes.history.begun) {
      loopTrims.push({ loop: HISTORY_KEY, keepFrom: 0, keepBelow: history.length });
    }
  }
  const runtime = cursorOf(execution.runtime, changes);
  if (runtime !== null) {
    requirePlainRecord(id, 'runtime', runtime);
    assertJsonSafe(id, 'runtime', runtime);
  }
  return {
    ...state,
    runtime: encodeOptional(runtime),
    variables,
    removedVariables: changes.removedVariables,
    loopValues,
    loopTrims,
  };
}

function value(loop: string, index: number, stored: unknown): EncodedLoopValue {
  return { loop, index, value: JSON.stringify(stored) };
}

/** The runtime with the frames of the loops in `changes` as cursors. */
function cursorOf(
  runtime: ExecutionRuntime | null | undefined,
  changes: CheckpointChanges,
): ExecutionRuntime | null {
  if (runtime == null) return null;
  if (changes.loops.length === 0 && !changes.history) return runtime;
  const inParts = new Set(changes.loops.map((change) => change.frame));
  const frames = runtime.frames.map((frame, position): RuntimeFrame => {
    if (frame.type !== 'loop' || !inParts.has(position)) return frame;
    return { ...frame, items: null, results: [] };
  });
  const cursor: ExecutionRuntime = { ...runtime, frames };
  if (changes.history) delete cursor.history;
  return cursor;
}

/**
 * The execution with its parts joined in: variables over its context (less those `removed`, where a
 * store keeps removals as marks), and each loop's stored items and results into the frame whose
 * key they are kept under.
 */
export function joinParts(
  execution: Execution,
  variables: Iterable<[string, unknown]> | null,
  loopValues: Iterable<[loop: string, index: number, value: unknown]> | null,
  removed: Iterable<string> = [],
): Execution {
  if (variables === null && loopValues === null) return execution;
  const ctx = { ...execution.ctx };
  for (const [name, stored] of variables ?? []) ctx[name] = stored;
  for (const name of removed) delete ctx[name];
  const loops = new Map<string, { items?: unknown; results: unknown[] }>();
  for (const [loop, index, stored] of loopValues ?? []) {
    const parts = loops.get(loop) ?? { results: [] };
    if (index === LOOP_ITEMS_INDEX) parts.items = stored;
    else parts.results[index] = stored;
    loops.set(loop, parts);
  }
  const inputPart = loops.get(INPUT_KEY);
  const input = inputPart ? (inputPart.results[0] as Record<string, unknown>) : execution.input;
  const runtime = execution.runtime;
  if (!runtime) return { ...execution, input, ctx };
  const frames = runtime.frames.map((frame, position): RuntimeFrame => {
    if (frame.type !== 'loop') return frame;
    const parts = loops.get(`${position}:${frame.stepId}`);
    if (!parts) return frame;
    const items = parts.items === undefined ? frame.items : (parts.items as unknown[]);
    return { ...frame, items, results: parts.results };
  });
  const joined: ExecutionRuntime = { ...runtime, frames };
  const history = loops.get(HISTORY_KEY);
  if (history) joined.history = history.results as HistoryItem[];
  return { ...execution, input, ctx, runtime: joined };
}
