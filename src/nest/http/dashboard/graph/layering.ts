/** A directed graph of one sequence's steps, by position: `edges[i]` are the targets of step `i`. */
export interface SequenceGraph {
  size: number;
  edges: number[][];
}

/** A place in a layer: a step, or a point an edge spanning several layers passes through. */
export type Slot = { step: number } | { edge: EdgeRef; hop: number };

/** An edge by its source and its position among the source's edges. */
export interface EdgeRef {
  from: number;
  index: number;
}

export interface Layering {
  /** Rows from the top; each in its left-to-right order. */
  layers: Slot[][];
  layerOf: number[];
  /** Edges that go back up (a router looping to an earlier step), as `from:index`. */
  backEdges: Set<string>;
}

export const edgeKey = ({ from, index }: EdgeRef): string => `${from}:${index}`;

/**
 * A layered (Sugiyama-style) arrangement: edges that close a cycle are set aside as back edges,
 * every step sits one layer below its lowest predecessor, an edge spanning layers gets a point
 * in each layer between, and a few barycentre sweeps order each layer to cut crossings.
 */
export function layer(graph: SequenceGraph): Layering {
  const { order, backEdges } = depthFirst(graph);
  const layerOf = new Array<number>(graph.size).fill(0);
  // Reverse finishing order is a topological order of the graph without its back edges.
  for (const from of order) {
    graph.edges[from].forEach((to, index) => {
      if (!backEdges.has(edgeKey({ from, index })) && to !== from)
        layerOf[to] = Math.max(layerOf[to], layerOf[from] + 1);
    });
  }
  const layers: Slot[][] = Array.from({ length: Math.max(0, ...layerOf) + 1 }, () => []);
  const discovery = discoveryOrder(graph, order);
  for (const step of discovery) layers[layerOf[step]].push({ step });
  graph.edges.forEach((targets, from) =>
    targets.forEach((to, index) => {
      if (backEdges.has(edgeKey({ from, index }))) return;
      for (let l = layerOf[from] + 1; l < layerOf[to]; l++)
        layers[l].push({ edge: { from, index }, hop: l - layerOf[from] });
    }),
  );
  sweep(layers, graph, layerOf);
  return { layers, layerOf, backEdges };
}

function depthFirst(graph: SequenceGraph): { order: number[]; backEdges: Set<string> } {
  const state = new Array<0 | 1 | 2>(graph.size).fill(0);
  const finished: number[] = [];
  const backEdges = new Set<string>();
  const visit = (step: number) => {
    state[step] = 1;
    graph.edges[step].forEach((to, index) => {
      if (state[to] === 1) backEdges.add(edgeKey({ from: step, index }));
      else if (state[to] === 0) visit(to);
    });
    state[step] = 2;
    finished.push(step);
  };
  for (let step = 0; step < graph.size; step++) if (state[step] === 0) visit(step);
  return { order: finished.reverse(), backEdges };
}

/** Steps in the order a reader meets them: depth first from the first step, then the rest. */
function discoveryOrder(graph: SequenceGraph, topological: number[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  const queue = [0, ...topological];
  while (queue.length) {
    const step = queue.shift() as number;
    if (seen.has(step) || step >= graph.size) continue;
    seen.add(step);
    out.push(step);
    queue.unshift(...graph.edges[step].filter((to) => !seen.has(to)));
  }
  return out;
}

/** Orders each layer by the mean position of what leads into it, top to bottom, twice. */
function sweep(layers: Slot[][], graph: SequenceGraph, layerOf: number[]): void {
  const above = (slot: Slot): Slot[] => {
    if ('edge' in slot) {
      const { from } = slot.edge;
      return [slot.hop === 1 ? { step: from } : { edge: slot.edge, hop: slot.hop - 1 }];
    }
    const sources: Slot[] = [];
    graph.edges.forEach((targets, from) =>
      targets.forEach((to, index) => {
        if (to !== slot.step || layerOf[from] >= layerOf[to]) return;
        const span = layerOf[to] - layerOf[from];
        sources.push(span === 1 ? { step: from } : { edge: { from, index }, hop: span - 1 });
      }),
    );
    return sources;
  };
  const id = (slot: Slot) =>
    'step' in slot ? `s${slot.step}` : `e${edgeKey(slot.edge)}:${slot.hop}`;
  for (let round = 0; round < 2; round++) {
    for (let l = 1; l < layers.length; l++) {
      const positions = new Map(layers[l - 1].map((slot, i) => [id(slot), i]));
      const weight = (slot: Slot, fallback: number) => {
        const found = above(slot)
          .map((s) => positions.get(id(s)))
          .filter((p): p is number => p !== undefined);
        return found.length ? found.reduce((a, b) => a + b, 0) / found.length : fallback;
      };
      const weighted = layers[l].map((slot, i) => ({ slot, w: weight(slot, i), i }));
      weighted.sort((a, b) => a.w - b.w || a.i - b.i);
      layers[l] = weighted.map((x) => x.slot);
    }
  }
}
