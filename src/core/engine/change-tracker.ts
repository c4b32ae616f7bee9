import type { CheckpointChanges, LoopChange } from '../store/workflow-store';
import type { ExecutionRuntime, HistoryItem, RuntimeFrame } from '../types';

type LoopFrame = RuntimeFrame & { type: 'loop' };

/** A loop frame whose items and first `results` results the store holds in parts. */
interface StoredLoop {
  frame: LoopFrame;
  key: string;
  results: number;
}

/** A checkpoint's changes, and what the store holds once it is written. */
export interface TrackedChanges {
  changes: CheckpointChanges;
  variables: Map<string, string>;
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
 * parts. A checkpoint sends
 * the difference, so what it writes is the step's change, not the execution's state.
 *
 * Variables are compared by their JSON, not by reference: a service may change in place an object
 * it got from the context, and such a change is written like any other.
 */
export class ChangeTracker {
  private variables = new Map<string, string>();
  /** Loops are never taken as stored from a load: the first checkpoint of a run writes them whole. */
  private loops: StoredLoop[] = [];
  private history: StoredHistory | null = null;

  /** For an execution as loaded from the store (nothing is stored for a new one). */
  constructor(stored: Record<string, unknown> | null) {
    if (stored) this.variables = jsonOfEach(stored);
  }

  diff(ctx: Record<string, unknown>, runtime: ExecutionRuntime): TrackedChanges {
    const { frames } = runtime;
    const variables = jsonOfEach(ctx);
    const setVariables: string[] = [];
    for (const [name, json] of variables) {
      if (this.variables.get(name) !== json) setVariables.push(name);
    }
    const removedVariables = [...this.variables.keys()].filter((name) => !variables.has(name));
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
    const current = new Set(loops.map((loop) => loop.key));
    const endedLoops = this.loops.map((loop) => loop.key).filter((key) => !current.has(key));
    const tracked: TrackedChanges = {
      changes: { setVariables, removedVariables, loops: changes, endedLoops },
      variables,
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
    this.variables = tracked.variables;
    this.loops = inParts ? tracked.loops : [];
    this.history = inParts ? tracked.history : null;
  }
}

/**
 * Each variable's JSON. A value JSON cannot hold gets a text no stored value has, so it counts as
 * changed and the store's own check refuses it with a message naming it.
 */
function jsonOfEach(ctx: Record<string, unknown>): Map<string, string> {
  const json = new Map<string, string>();
  for (const [name, value] of Object.entries(ctx)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    json.set(name, text ?? '\u0000unserializable');
  }
  return json;
}
