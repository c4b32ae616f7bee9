import { deserializeError } from '../../../core/error-serialization';
import type { WorkflowDefinition } from '../../../core/definition/definition-types';
import { isFinished, type Entry, type Execution } from '../../../core/types';
import { haltCard } from './approval-card';
import { workflowLink } from './links';
import { renderGraph, GRAPH_LEGEND } from './graph/render-graph';
import { failedStep, graphState } from './graph/graph-state';
import { html, type SafeHtml } from './html';
import { duration, timeAgo } from './relative-time';
import { timeline } from './timeline';
import { workersNotice, type Workers } from './workers-notice';

/** What the execution page shows besides the execution; each part may be left out. */
export interface ExecutionExtras {
  apiPath?: string;
  /** The version it runs, to draw; null when this process has not loaded it. */
  definition?: WorkflowDefinition | null;
  workers?: Workers;
  /** Lines under the summary that other features add (what the execution waits for, say). */
  notes?: readonly SafeHtml[];
  /** Buttons next to Cancel that other features add (Retry, Run again from here, say). */
  actions?: readonly SafeHtml[];
}

/**
 * One execution: what went wrong first when it failed, what it waits for, the workflow's picture
 * with the path taken, then the timeline, context and result.
 */
export function executionDetail(
  execution: Execution,
  entries: Entry[],
  extras: ExecutionExtras = {},
): SafeHtml {
  const { apiPath = '', definition, workers, notes = [], actions = [] } = extras;
  const active = !isFinished(execution.status);
  const waitsForWorker =
    workers?.mode === 'queue' &&
    workers.alive === 0 &&
    (execution.status === 'pending' || execution.status === 'running');
  return html`<h1>
      ${execution.workflowId}
      <span id="status" class="badge ${execution.status}">${execution.status}</span>
    </h1>
    ${summary(execution, apiPath)} ${notes} ${failureCard(execution, entries)}
    ${
      waitsForWorker && workers
        ? workersNotice(workers, {
            pending: execution.status === 'pending' ? 1 : 0,
            running: execution.status === 'running' ? 1 : 0,
          })
        : ''
    }
    ${haltCard(execution)}
    <div id="actions">
      ${active ? html`<button class="danger" data-action="cancel" data-id="${execution.id}">Cancel</button>` : ''}
      ${actions}<span id="action-status" class="error"></span>
    </div>
    ${graphSection(execution, entries, definition)}
    <h2>Timeline</h2>
    ${timeline(entries, execution.createdAt, { apiPath, executionId: execution.id })}
    <div class="grid">
      <div>
        <h2>Input</h2>
        <pre id="input">${json(execution.input)}</pre>
      </div>
      <div>
        <h2>Context</h2>
        <pre id="ctx">${json(execution.ctx)}</pre>
      </div>
      <div>
        <h2>Result</h2>
        <pre id="result">${json(execution.result)}</pre>
      </div>
      ${
        execution.haltData
          ? html`<div>
              <h2>Halt data</h2>
              <pre id="halt">${json(execution.haltData)}</pre>
            </div>`
          : ''
      }
    </div>`;
}

function summary(execution: Execution, apiPath: string): SafeHtml {
  const finished = isFinished(execution.status);
  return html`<p class="summary" id="summary" data-updated="${execution.updatedAt.toISOString()}">
    <span>Execution <code>${execution.id}</code></span>
    <span
      >workflow
      <a href="${workflowLink(apiPath, execution.workflowId, execution.workflowVersion)}"
        >${execution.workflowId} v${execution.workflowVersion}</a
      ></span
    >
    <span>started ${timeAgo(execution.createdAt)}</span>
    ${
      finished
        ? html`<span id="ended"
            >${execution.status} ${timeAgo(execution.updatedAt)}, after
            ${duration(execution.updatedAt.getTime() - execution.createdAt.getTime())}</span
          >`
        : html`<span>updated ${timeAgo(execution.updatedAt)}</span>
            ${execution.currentStep ? html`<span id="at-step">at step <b>${execution.currentStep}</b></span>` : ''}`
    }
  </p>`;
}

/** The failed step and its error, where a person looks first. */
function failureCard(execution: Execution, entries: Entry[]): SafeHtml | string {
  if (execution.status !== 'failed') return '';
  const step = failedStep(execution, entries);
  const stored = [...entries].reverse().find((e) => e.action === 'failed' && e.error)?.error;
  const cause = stored ? deserializeError(stored) : null;
  // The execution's own error repeats the step's as a rule; shown only when it says more.
  const more = execution.error && (!cause || !execution.error.includes(cause.message));
  return html`<section class="card failure" id="failure">
    <h2>${step ? html`Step <code>${step}</code> failed` : 'Failed'}</h2>
    <p class="error" id="error">
      ${cause ? `${cause.name}: ${cause.message}` : (execution.error ?? 'No error was recorded.')}
    </p>
    ${more && cause ? html`<p class="muted">${execution.error}</p>` : ''}
  </section>`;
}

function graphSection(
  execution: Execution,
  entries: Entry[],
  definition: WorkflowDefinition | null | undefined,
): SafeHtml | string {
  if (definition === undefined) return '';
  if (definition === null)
    return html`<h2>Workflow</h2>
      <p class="muted">
        Version ${execution.workflowVersion} is not loaded in this process: no picture.
      </p>`;
  return html`<h2>Workflow</h2>
    <div class="graph-box">${renderGraph(definition.steps, graphState(execution, entries))}</div>
    ${GRAPH_LEGEND}`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function notFound(executionId: string): SafeHtml {
  return html`<h1>Not found</h1>
    <p>There is no execution <code>${executionId}</code>.</p>`;
}
