import type { CheckpointChanges, LoopChange } from '../store/workflow-store';
import type { ExecutionRuntime, HistoryItem, RuntimeFrame } from '../types';

type LoopFrame = RuntimeFrame & { type: 'loop' };

/** A loop frame whose items and first `results` results the store holds in parts. */
interface StoredLoop {
  frame: LoopFrame;
  key: string;
  results: number;
}

/** A variable as written: the value it held then (for an unchanged reference) and its JSON. */
interface StoredVariable {
  value: unknown;
  json: string;
}

/** A checkpoint's changes, and what the store holds once it is written. */
export interface TrackedChanges {
  changes: CheckpointChanges;
  /** The context's size as JSON (names and values), in characters. */
  contextSize: number;
  /** Variables whose value or JSON is new, as the store holds them once this is written. */
  updated: [string, StoredVariable][];
  loops: StoredLoop[];
  history: StoredHistory | null;
}

/** `$history`'s array, of which the store holds the first `items` in parts. */
interface StoredHistory {
  array: HistoryItem[];
  items: number;
}

/**
 * What the store holds of one execution as this run last wrote or loaded it: each context
 * variable's JSON, and how many results of each loop frame (and items of `$history`) it keeps in
 * parts. A checkpoint sends the difference, so what it writes is the step's change, not the
 * execution's state.
 *
 * A variable holding the value it held when written is unchanged, unless it holds an object that a
 * step read or a service made (`exposed`): a service may change such an object in place, so its
 * JSON is compared with what was written. Any other variable is compared by its JSON too.
 */
export class ChangeTracker {
  private variables = new Map<string, StoredVariable>();
  /** Loops are never taken as stored from a load: the first checkpoint of a run writes them whole. */
  private loops: StoredLoop[] = [];
  private history: StoredHistory | null = null;

  /** For an execution as loaded from the store (nothing is stored for a new one). */
  constructor(stored: Record<string, unknown> | null) {
    if (stored) this.variables = jsonOfEach(stored);
  }

  diff(
    ctx: Record<string, unknown>,
    runtime: ExecutionRuntime,
    exposed: ReadonlySet<string>,
  ): TrackedChanges {
    const { frames } = runtime;
    // Only what changed is collected; `written` applies it to the stored state.
    const updated: [string, StoredVariable][] = [];
    const setVariables: string[] = [];
    let contextSize = 0;
    let present = 0;
    for (const name in ctx) {
      if (!Object.prototype.hasOwnProperty.call(ctx, name)) continue;
      const value = ctx[name];
      const stored = this.variables.get(name);
      if (stored !== undefined) present++;
      const object = typeof value === 'object' && value !== null;
      const unchanged =
        stored !== undefined && Object.is(stored.value, value) && !(object && exposed.has(name));
      const written = unchanged ? stored : { value, json: jsonOf(value) };
      if (!unchanged) updated.push([name, written]);
      if (!unchanged && stored?.json !== written.json) setVariables.push(name);
      contextSize += name.length + written.json.length;
    }
    const removedVariables =
      present === this.variables.size
        ? []
        : [...this.variables.keys()].filter(
            (name) => !Object.prototype.hasOwnProperty.call(ctx, name),
          );
    const loops: StoredLoop[] = [];
    const changes: LoopChange[] = [];
    frames.forEach((frame, position) => {
      if (frame.type !== 'loop') return;
      const key = `${position}:${frame.stepId}`;
      const stored = this.loops.find((loop) => loop.frame === frame && loop.key === key);
      const from = stored && stored.results <= frame.results.length ? stored.results : null;
      changes.push({ frame: position, key, appendFrom: from ?? 0, begun: from === null });
      loops.push({ frame, key, results: frame.results.length });
    });
    const endedLoops =
      this.loops.length === 0
        ? []
        : this.loops
            .map((loop) => loop.key)
            .filter((key) => !loops.some((loop) => loop.key === key));
    const tracked: TrackedChanges = {
      changes: { setVariables, removedVariables, loops: changes, endedLoops },
      contextSize,
      updated,
      loops,
      history: null,
    };
    const { history } = runtime;
    if (history) {
      const stored = this.history;
      const from =
        stored?.array === history && stored.items <= history.length ? stored.items : null;
      tracked.changes.history = { appendFrom: from ?? 0, begun: from === null };
      tracked.history = { array: history, items: history.length };
    }
    return tracked;
  }

  /**
   * The checkpoint was written: in parts (`inParts`), or whole, which leaves the loops in the
   * execution's own runtime, not in parts.
   */
  written(tracked: TrackedChanges, inParts: boolean): void {
    for (const [name, variable] of tracked.updated) this.variables.set(name, variable);
    for (const name of tracked.changes.removedVariables) this.variables.delete(name);
    this.loops = inParts ? tracked.loops : [];
    this.history = inParts ? tracked.history : null;
  }
}

/**
 * Each variable's JSON. A value JSON cannot hold gets a text no stored value has, so it counts as
 * changed and the store's own check refuses it with a message naming it.
 */
function jsonOfEach(ctx: Record<string, unknown>): Map<string, StoredVariable> {
  const variables = new Map<string, StoredVariable>();
  for (const [name, value] of Object.entries(ctx))
    variables.set(name, { value, json: jsonOf(value) });
  return variables;
}

function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? UNSERIALIZABLE;
  } catch {
    return UNSERIALIZABLE;
  }
}

const UNSERIALIZABLE = '\u0000unserializable';
