import type { StepDefinition } from '../../../../core/definition/definition-types';
import { html, SafeHtml } from '../html';
import { layoutWorkflow, type PlacedEdge, type PlacedStep } from './graph-layout';
import type { GraphState } from './graph-state';
import { clipText, stepSummary } from './step-summary';

/**
 * The workflow as an SVG drawn on the server: a box per step (loops and parallel steps around
 * their bodies and branches), an arrow per transition, the path taken and the current step marked.
 * Styled by the page's stylesheet through classes only (the CSP allows no inline style).
 */
export function renderGraph(steps: StepDefinition[], state: GraphState): SafeHtml {
  const layout = layoutWorkflow(steps);
  const compound = layout.steps.filter((s) => s.compound);
  const simple = layout.steps.filter((s) => !s.compound);
  return html`<svg
    id="graph"
    class="graph"
    viewBox="0 0 ${layout.width} ${layout.height}"
    width="${layout.width}"
    height="${layout.height}"
    role="img"
    aria-label="Steps and transitions of the workflow"
  >
    <defs>
      ${['arrow', 'arrow-taken', 'arrow-error'].map(
        (id) =>
          html`<marker
            id="${id}"
            class="${id}"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" />
          </marker>`,
      )}
    </defs>
    ${compound.map((s) => stepBox(s, state))}
    ${layout.frames.map(
      (f) =>
        html`<rect
            class="frame"
            x="${f.x}"
            y="${f.y}"
            width="${f.width}"
            height="${f.height}"
            rx="6"
          />
          <text class="frame-label" x="${f.x + 8}" y="${f.y + 13}">${f.label}</text>`,
    )}
    ${layout.edges.map((e) => edgePath(e, state))} ${simple.map((s) => stepBox(s, state))}
    ${layout.edges.map((e) =>
      e.label
        ? html`<text
            class="edge-label"
            x="${e.labelAt.x}"
            y="${e.labelAt.y}"
            text-anchor="${e.labelAnchor}"
            >${clipText(e.label, 26)}</text
          >`
        : '',
    )}
  </svg>`;
}

function stepBox(placed: PlacedStep, state: GraphState): SafeHtml {
  const { step, x, y, width, height, compound } = placed;
  const classes = ['step', compound ? 'compound' : '', `type-${step.type}`];
  if (state.visited.has(step.id)) classes.push('visited');
  if (state.current === step.id) classes.push('current');
  if (state.failed === step.id) classes.push('failed');
  const summary = stepSummary(step);
  return html`<g class="${classes.filter(Boolean).join(' ')}" data-step="${step.id}">
    <title>${step.id}: ${summary}</title>
    <rect
      x="${x}"
      y="${y}"
      width="${width}"
      height="${height}"
      rx="${step.type === 'end' ? 23 : 8}"
    />
    <text class="step-id" x="${x + 12}" y="${y + 19}">${clipText(step.id, 20)}</text>
    <text class="step-kind" x="${x + 12}" y="${y + 35}"
      >${clipText(summary, Math.floor(width / 6.6) - 2)}</text
    >
  </g>`;
}

function edgePath(edge: PlacedEdge, state: GraphState): SafeHtml {
  const taken = state.taken.has(`${edge.from}>${edge.to}`);
  const classes = [
    'edge',
    taken ? 'taken' : '',
    edge.error ? 'error' : '',
    edge.back ? 'back' : '',
  ];
  const marker = taken ? 'arrow-taken' : edge.error ? 'arrow-error' : 'arrow';
  return html`<path
    class="${classes.filter(Boolean).join(' ')}"
    data-from="${edge.from}"
    data-to="${edge.to}"
    d="${edge.path}"
    marker-end="url(#${marker})"
  />`;
}

/** Constant markup: what the highlights mean. */
export const GRAPH_LEGEND = new SafeHtml(
  '<p class="legend"><span class="key current"></span>current <span class="key visited"></span>done <span class="key failed"></span>failed</p>',
);
