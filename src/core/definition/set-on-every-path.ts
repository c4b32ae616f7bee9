import type { StepDefinition } from './definition-types';
import type { Edge } from './step-graph';

/** Says whether a variable is set, by name. */
export type IsSet = (name: string) => boolean;

interface Incoming {
  from: number;
  edge: Edge;
}

/**
 * Answers "is $name set on every path from the sequence's first step to this step?", one question at a
 * time. An answer is a backward search from the step that stops at edges setting the name; the steps
 * a search settles are remembered per name, so later questions about the same name stop where earlier
 * ones did. Work and memory follow the questions asked, instead of one set of names per step, which
 * grew with the square of the document's size.
 */
export class SetOnEveryPath {
  private readonly incoming: Incoming[][];
  private readonly setBy: Set<string>[];
  /** Per name: steps known to have it set (true) or to have a path without it (false). */
  private readonly settled = new Map<string, Map<number, boolean>>();

  constructor(
    sequence: StepDefinition[],
    edgeLists: Edge[][],
    positionOf: ReadonlyMap<string, number>,
    /** Set before the sequence's first step. */
    private readonly atEntry: IsSet,
    /** The variables a step sets when it succeeds. */
    setBy: (step: StepDefinition) => string[],
  ) {
    this.incoming = sequence.map(() => []);
    edgeLists.forEach((edges, from) => {
      for (const edge of edges) {
        const to = positionOf.get(edge.target);
        if (to !== undefined) this.incoming[to].push({ from, edge });
      }
    });
    this.setBy = sequence.map((step) => new Set(setBy(step)));
  }

  isSetBefore(position: number, name: string): boolean {
    if (this.atEntry(name)) return true;
    const settled = this.settledFor(name);
    const known = settled.get(position);
    if (known !== undefined) return known;
    // Searches backwards along edges that do not set the name; reaching a step with a path
    // from the entry that lacks it (the entry itself, at first) answers no.
    const towards = new Map<number, number>([[position, -1]]);
    const pending = [position];
    while (pending.length > 0) {
      const at = pending.pop() as number;
      for (const { from, edge } of this.incoming[at]) {
        if (towards.has(from) || this.sets(from, edge, name) || settled.get(from) === true) {
          continue;
        }
        towards.set(from, at);
        if (settled.get(from) === false) {
          // Every step on the path found also has a path without the name.
          for (let step = at; step !== -1; step = towards.get(step) as number) {
            settled.set(step, false);
          }
          return false;
        }
        pending.push(from);
      }
    }
    for (const step of towards.keys()) settled.set(step, true);
    return true;
  }

  private sets(from: number, edge: Edge, name: string): boolean {
    return (
      (edge.succeeded && this.setBy[from].has(name)) ||
      (edge.error === true && name === '_last_error')
    );
  }

  private settledFor(name: string): Map<number, boolean> {
    let settled = this.settled.get(name);
    if (!settled) {
      settled = new Map([[0, false]]);
      this.settled.set(name, settled);
    }
    return settled;
  }
}
