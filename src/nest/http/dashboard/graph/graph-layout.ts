import type { StepDefinition } from '../../../../core/definition/definition-types';
import { defaultNext, edgesOf } from '../../../../core/definition/step-graph';
import { edgeKey, layer, type Slot } from './layering';
import { n, forwardPath, roundedPath, sideLabel } from './edge-paths';
import { edgeLabel } from './step-summary';

/** A step's box; a loop or parallel step's box holds its body or branches. */
export interface PlacedStep {
  step: StepDefinition;
  x: number;
  y: number;
  width: number;
  height: number;
  compound: boolean;
}

/** The frame around one branch of a parallel step. */
export interface PlacedFrame {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  label: string | null;
  /** Taken only when the step failed (`on_error`). */
  error: boolean;
  /** Goes back up to an earlier step. */
  back: boolean;
  /** SVG path data. */
  path: string;
  /** Where the label starts, or ends when `labelAnchor` is `end` (the edge turns left). */
  labelAt: { x: number; y: number };
  labelAnchor: 'start' | 'end';
}

export interface GraphLayout {
  width: number;
  height: number;
  steps: PlacedStep[];
  frames: PlacedFrame[];
  edges: PlacedEdge[];
}

export const NODE_WIDTH = 172;
export const NODE_HEIGHT = 46;
const ROW_GAP = 38;
const COLUMN_GAP = 22;
const PAD = 12;
/** Room above a loop body or the branches for the loop or parallel step's own title. */
const HEADER = 46;
const BRANCH_LABEL = 18;
const HOP_WIDTH = 14;
const BACK_LANE = 18;
const MARGIN = 8;

/**
 * Where every step of a workflow goes, top to bottom: each sequence is layered by its step graph
 * (`layering.ts`), a loop's body and a parallel step's branches are laid out inside its box.
 */
export function layoutWorkflow(steps: StepDefinition[]): GraphLayout {
  const block = layoutSequence(steps, false);
  return shift(
    { ...block, width: block.width + 2 * MARGIN, height: block.height + 2 * MARGIN },
    MARGIN,
    MARGIN,
  );
}

function layoutSequence(steps: StepDefinition[], nested: boolean): GraphLayout {
  if (steps.length === 0) return { width: NODE_WIDTH, height: 0, steps: [], frames: [], edges: [] };
  const inner = steps.map(layoutInside);
  const size = (slot: Slot) =>
    'step' in slot
      ? { width: inner[slot.step].width, height: inner[slot.step].height }
      : { width: HOP_WIDTH, height: 0 };
  const position = new Map(steps.map((step, i) => [step.id, i]));
  const edges = steps.map((step, i) =>
    mergeEdgesToOneStep(
      edgesOf(step, defaultNext(steps, i, nested))
        .filter((edge) => position.has(edge.target))
        .map((edge) => ({
          to: position.get(edge.target) as number,
          label: edgeLabel(step, edge),
          error: edge.error === true,
        })),
    ),
  );
  const { layers, layerOf, backEdges } = layer({
    size: steps.length,
    edges: edges.map((list) => list.map((e) => e.to)),
  });

  const rowWidth = (row: Slot[]) =>
    row.reduce((sum, slot) => sum + size(slot).width, 0) + COLUMN_GAP * (row.length - 1);
  const contentWidth = Math.max(...layers.map(rowWidth));
  const boxes = new Array<{ x: number; y: number; width: number; height: number }>(steps.length);
  const hops = new Map<string, { x: number; top: number; bottom: number }>();
  const rows: { top: number; bottom: number }[] = [];
  let y = 0;
  for (const row of layers) {
    const height = Math.max(NODE_HEIGHT, ...row.map((slot) => size(slot).height));
    let x = (contentWidth - rowWidth(row)) / 2;
    for (const slot of row) {
      const { width, height: own } = size(slot);
      if ('step' in slot) boxes[slot.step] = { x, y: y + (height - own) / 2, width, height: own };
      else
        hops.set(`${edgeKey(slot.edge)}:${slot.hop}`, {
          x: x + width / 2,
          top: y,
          bottom: y + height,
        });
      x += width + COLUMN_GAP;
    }
    rows.push({ top: y, bottom: y + height });
    y += height + ROW_GAP;
  }

  const placedEdges: PlacedEdge[] = [];
  let lanes = 0;
  /** Room above the first row for back edges into it. */
  let rise = 0;
  /** Room below the last row for back edges out of it, and their labels. */
  let sink = 0;
  edges.forEach((list, from) =>
    list.forEach((edge, index) => {
      const key = edgeKey({ from, index });
      const a = boxes[from];
      const b = boxes[edge.to];
      const common = {
        from: steps[from].id,
        to: steps[edge.to].id,
        label: edge.label,
        error: edge.error,
      };
      if (backEdges.has(key)) {
        // Through the gaps between rows, never across a box: down out of the source, right to a
        // lane of its own, up, left above the target's row, and down into the target.
        const lane = ++lanes;
        const laneX = contentWidth + BACK_LANE * lane;
        const below = rows[layerOf[from]].bottom + 6 + 5 * (lane - 1);
        const above = rows[layerOf[edge.to]].top - 6 - 5 * (lane - 1);
        rise = Math.max(rise, 14 - above);
        sink = Math.max(sink, below + 4 - (y - ROW_GAP));
        const points = [
          { x: a.x + a.width * 0.7, y: a.y + a.height },
          { x: a.x + a.width * 0.7, y: below },
          { x: laneX, y: below },
          { x: laneX, y: above },
          { x: b.x + b.width * 0.7, y: above },
          { x: b.x + b.width * 0.7, y: b.y },
        ];
        placedEdges.push({
          ...common,
          back: true,
          path: roundedPath(points),
          // Above the run into the target, where no other back edge's label is.
          labelAt: { x: points[4].x + 8, y: above - 4 },
          labelAnchor: 'start',
        });
        return;
      }
      const points = [{ x: a.x + a.width / 2, y: a.y + a.height }];
      for (let hop = 1; hops.has(`${key}:${hop}`); hop++) {
        const through = hops.get(`${key}:${hop}`) as { x: number; top: number; bottom: number };
        points.push({ x: through.x, y: through.top }, { x: through.x, y: through.bottom });
      }
      points.push({ x: b.x + b.width / 2, y: b.y });
      placedEdges.push({
        ...common,
        back: false,
        path: forwardPath(points),
        // Beside the middle of the first curve, on the side it turns to, clear of its siblings.
        ...sideLabel(points[0], points[1]),
      });
    }),
  );

  const out: GraphLayout = {
    width: contentWidth + (lanes ? BACK_LANE * lanes + 6 : 0),
    height: y - ROW_GAP + sink,
    steps: [],
    frames: [],
    edges: placedEdges,
  };
  steps.forEach((_, i) => {
    const box = boxes[i];
    const content = shift(inner[i], box.x, box.y);
    out.steps.push(...content.steps);
    out.frames.push(...content.frames);
    out.edges.push(...content.edges);
  });
  return rise ? shift({ ...out, height: out.height + rise }, 0, rise) : out;
}

/** A step's own box at the origin, with what it holds. */
function layoutInside(step: StepDefinition): GraphLayout {
  const own = (width: number, height: number, compound: boolean): PlacedStep => ({
    step,
    x: 0,
    y: 0,
    width,
    height,
    compound,
  });
  if (step.type === 'loop') {
    const body = shift(layoutSequence(step.do, true), PAD, HEADER);
    const width = Math.max(NODE_WIDTH, body.width + 2 * PAD);
    const height = HEADER + body.height + PAD;
    const centred = shift(body, (width - body.width - 2 * PAD) / 2, 0);
    return { ...centred, width, height, steps: [own(width, height, true), ...centred.steps] };
  }
  if (step.type === 'parallel') {
    const out: GraphLayout = { width: 0, height: 0, steps: [], frames: [], edges: [] };
    let x = PAD;
    let tallest = 0;
    step.branches.forEach((branch, i) => {
      const laid = layoutSequence(branch, true);
      const frame = {
        label: `branch ${i + 1}`,
        x,
        y: HEADER,
        width: laid.width + 2 * PAD,
        height: BRANCH_LABEL + laid.height + PAD,
      };
      const placed = shift(laid, x + PAD, HEADER + BRANCH_LABEL);
      out.frames.push(frame, ...placed.frames);
      out.steps.push(...placed.steps);
      out.edges.push(...placed.edges);
      x += frame.width + COLUMN_GAP / 2;
      tallest = Math.max(tallest, frame.height);
    });
    const width = Math.max(NODE_WIDTH, x - COLUMN_GAP / 2 + PAD);
    const height = HEADER + tallest + PAD;
    return { ...out, width, height, steps: [own(width, height, true), ...out.steps] };
  }
  return {
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    steps: [own(NODE_WIDTH, NODE_HEIGHT, false)],
    frames: [],
    edges: [],
  };
}

/** Two edges to the same step (rejected and timed out, say) are drawn once with both labels. */
function mergeEdgesToOneStep(
  edges: { to: number; label: string | null; error: boolean }[],
): { to: number; label: string | null; error: boolean }[] {
  const byTarget = new Map<number, { to: number; label: string | null; error: boolean }>();
  for (const edge of edges) {
    const seen = byTarget.get(edge.to);
    if (!seen) byTarget.set(edge.to, { ...edge });
    else {
      const labels = [seen.label ?? 'next', edge.label ?? 'next'];
      seen.label = labels.join(', ');
      seen.error = seen.error && edge.error;
    }
  }
  return [...byTarget.values()];
}

function shift(layout: GraphLayout, dx: number, dy: number): GraphLayout {
  const move = (d: string) =>
    d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x: string, y: string) => `${n(+x + dx)},${n(+y + dy)}`);
  return {
    ...layout,
    steps: layout.steps.map((s) => ({ ...s, x: s.x + dx, y: s.y + dy })),
    frames: layout.frames.map((f) => ({ ...f, x: f.x + dx, y: f.y + dy })),
    edges: layout.edges.map((e) => ({
      ...e,
      path: move(e.path),
      labelAt: { x: e.labelAt.x + dx, y: e.labelAt.y + dy },
    })),
  };
}
