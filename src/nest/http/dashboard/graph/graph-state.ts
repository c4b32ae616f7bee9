import { isFinished, type Entry, type Execution } from '../../../../core/types';

/** What the picture highlights: the steps an execution went through, where it is, where it failed. */
export interface GraphState {
  visited: ReadonlySet<string>;
  /** The step a pending, running or halted execution is at. */
  current: string | null;
  /** The step whose failure ended a failed execution. */
  failed: string | null;
  /** Edges followed, as `from>to`. */
  taken: ReadonlySet<string>;
}

export const NO_STATE: GraphState = {
  visited: new Set(),
  current: null,
  failed: null,
  taken: new Set(),
};

/** Read from the trail: each step in the order it ran, consecutive pairs being the edges taken. */
export function graphState(execution: Execution, entries: readonly Entry[]): GraphState {
  const path: string[] = [];
  for (const entry of entries) {
    const step = stepOf(entry);
    if (path[path.length - 1] !== step) path.push(step);
  }
  const taken = new Set<string>();
  for (let i = 1; i < path.length; i++) taken.add(`${path[i - 1]}>${path[i]}`);
  const current = isFinished(execution.status) ? null : execution.currentStep;
  if (current && path.length && path[path.length - 1] !== current)
    taken.add(`${path[path.length - 1]}>${current}`);
  return {
    visited: new Set(path),
    current,
    failed: execution.status === 'failed' ? failedStep(execution, entries) : null,
    taken,
  };
}

/** The last step that recorded a failure: the one whose error ended the run. */
export function failedStep(execution: Execution, entries: readonly Entry[]): string | null {
  for (let i = entries.length - 1; i >= 0; i--)
    if (entries[i].action === 'failed') return stepOf(entries[i]);
  return execution.currentStep;
}

/** Entries of a step in a loop body or a branch are named `owner:step`. */
function stepOf(entry: Entry): string {
  return entry.stepId.slice(entry.stepId.lastIndexOf(':') + 1);
}
