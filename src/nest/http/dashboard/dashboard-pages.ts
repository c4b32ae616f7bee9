import { deserializeError } from '../../../core/error-serialization';
import { EXECUTION_STATUSES, type Entry, type Execution } from '../../../core/types';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { html, SafeHtml } from './html';
import type { ExecutionCount } from '../../../core/store/workflow-store';
import { eventWaitSection } from './event-wait';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:20px 24px;max-width:1200px}h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceef2;vertical-align:top}th{background:#f0f2f5;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e3e6eb}
.pending{background:#e3e6eb}.running{background:#cfe3ff}.halted{background:#ffe8b3}.completed{background:#c9f0d3}.failed{background:#ffd0d0}.cancelled{background:#ddd}
pre{background:#fff;border:1px solid #dde1e7;padding:10px;overflow:auto;max-height:320px;margin:0}
.timing{width:160px}.error{color:#b00020}
progress.bar{width:100%;height:8px;border:0;border-radius:4px;background:#eceef2;accent-color:#6c8cff}
button{font:inherit;padding:6px 14px;margin-right:8px;border-radius:6px;border:1px solid #98a2b3;background:#fff;cursor:pointer}
button.primary{background:#1f7a3f;color:#fff;border-color:#1f7a3f}button.danger{color:#b00020;border-color:#b00020}
form{margin:0 0 12px}select,input{font:inherit;padding:4px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.pages{margin:12px 0}.pages a{margin-right:16px}
`;

/** The whole page; `main` is what the script reloads. */
export function page(
  title: string,
  apiPath: string,
  main: SafeHtml,
  nonce: string,
  watching: string | null = null,
): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <style nonce="${nonce}">
          ${asSafe(STYLE)}
        </style>
      </head>
      <body data-api="${apiPath}" data-execution="${watching ?? ''}">
        <header><a href="${apiPath}/dashboard">Durable workflows</a></header>
        <main>${main}</main>
        <script nonce="${nonce}">
          ${asSafe(DASHBOARD_SCRIPT)};
        </script>
      </body>
    </html>`;
}

export interface OverviewFilters {
  workflowId?: string;
  status?: string;
  /** The page after this execution. */
  before?: string;
}

/**
 * Executions by workflow and status; `sampled` when only the newest that many were counted,
 * `failure` when counting failed (and why).
 */
export interface Tally {
  counts: ExecutionCount[];
  sampled?: number;
  failure?: string;
  /** Worker processes alive (queue mode); null or absent where the web process does the work. */
  workersAlive?: number | null;
}

/** Counts by status per workflow, a filter form and the list of executions. */
export function overview(
  apiPath: string,
  tally: Tally,
  listed: Execution[],
  filters: OverviewFilters,
  /** Whether a page of older executions may follow. */
  more: boolean,
): SafeHtml {
  const workflows = [...new Set(tally.counts.map((c) => c.workflowId))];
  const countOf = (workflowId: string, status: string) =>
    tally.counts.find((c) => c.workflowId === workflowId && c.status === status)?.count ?? 0;
  const countRows = workflows.map(
    (workflowId) =>
      html`<tr>
        <td>${workflowId}</td>
        ${EXECUTION_STATUSES.map((status) => html`<td>${countOf(workflowId, status)}</td>`)}
      </tr>`,
  );
  const heading =
    tally.sampled === undefined ? 'By status' : `By status (the newest ${tally.sampled})`;
  const option = (value: string, chosen: string | undefined) =>
    html`<option value="${value}" ${asSafe(value === chosen ? ' selected' : '')}>
      ${value || 'any'}
    </option>`;
  const pending = tally.counts
    .filter((c) => c.status === 'pending')
    .reduce((sum, c) => sum + c.count, 0);
  const noWorkers =
    tally.workersAlive === 0 && pending > 0
      ? html`<p class="error" id="no-workers">
          No worker process is running: ${pending} pending execution(s) wait for one. Start a worker
          process (queue option with worker: true) on the same store and Redis.
        </p>`
      : '';
  return html`<h1>Executions</h1>
    ${noWorkers}
    <h2>${heading}</h2>
    ${
      tally.failure !== undefined
        ? html`<p class="error" id="counts-failure">Counts unavailable: ${tally.failure}</p>`
        : html`<table id="counts">
            <thead>
              <tr>
                <th>workflow</th>
                ${EXECUTION_STATUSES.map((s) => html`<th>${s}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${countRows}
            </tbody>
          </table>`
    }
    <h2>List</h2>
    <form method="get">
      <label
        >workflow
        <select name="workflowId">
          ${['', ...workflows].map((w) => option(w, filters.workflowId))}
        </select></label
      >
      <label
        >status
        <select name="status">
          ${['', ...EXECUTION_STATUSES].map((s) => option(s, filters.status))}
        </select></label
      >
      <button type="submit">Filter</button>
    </form>
    <table id="executions">
      <thead>
        <tr>
          <th>execution</th>
          <th>workflow</th>
          <th>status</th>
          <th>step</th>
          <th>updated</th>
        </tr>
      </thead>
      <tbody>
        ${listed.map(
          (e) =>
            html`<tr data-id="${e.id}">
              <td>
                <a href="${apiPath}/dashboard/executions/${encodeURIComponent(e.id)}">${e.id}</a>
              </td>
              <td>${e.workflowId} v${e.workflowVersion}</td>
              <td><span class="badge ${e.status}">${e.status}</span></td>
              <td>${e.currentStep ?? ''}</td>
              <td>${e.updatedAt.toISOString()}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pages">
      ${filters.before ? html`<a href="${pageLink(apiPath, filters, undefined)}">Newest</a>` : ''}
      ${
        more && listed.length
          ? html`<a href="${pageLink(apiPath, filters, listed[listed.length - 1].id)}">Older</a>`
          : ''
      }
    </nav>`;
}

function pageLink(apiPath: string, filters: OverviewFilters, before: string | undefined): string {
  const query = new URLSearchParams();
  if (filters.workflowId) query.set('workflowId', filters.workflowId);
  if (filters.status) query.set('status', filters.status);
  if (before) query.set('before', before);
  const search = query.toString();
  return `${apiPath}/dashboard${search ? `?${search}` : ''}`;
}

/** One execution: actions, its steps as a timeline, context, halt data, error. */
export function executionDetail(execution: Execution, entries: Entry[]): SafeHtml {
  const longest = Math.max(1, ...entries.map((e) => e.durationMs ?? 0));
  const actions: SafeHtml[] = [];
  const id = execution.id;
  if (execution.status === 'halted') {
    if (
      execution.haltData?.['type'] === 'approval' ||
      execution.haltData?.['child_type'] === 'approval'
    ) {
      actions.push(
        html`<button class="primary" data-action="approve" data-id="${id}">Approve</button>`,
      );
      actions.push(html`<button data-action="reject" data-id="${id}">Reject</button>`);
    } else {
      actions.push(
        html`<button class="primary" data-action="resume" data-id="${id}">Resume</button>`,
      );
    }
  }
  if (['pending', 'running', 'halted'].includes(execution.status))
    actions.push(html`<button class="danger" data-action="cancel" data-id="${id}">Cancel</button>`);
  return html`<h1>
      ${execution.workflowId}
      <span id="status" class="badge ${execution.status}">${execution.status}</span>
    </h1>
    <p>
      Execution <code>${id}</code>, version ${execution.workflowVersion}, started
      ${execution.createdAt.toISOString()}, at step <b>${execution.currentStep ?? '-'}</b>.
    </p>
    <div id="actions">${actions}<span id="action-status" class="error"></span></div>
    ${
      execution.error
        ? html`<h2>Error</h2>
            <p class="error" id="error">${execution.error}</p>`
        : html``
    }
    ${eventWaitSection(execution)}
    ${
      execution.haltData
        ? html`<h2>Halted</h2>
            <pre id="halt">${json(execution.haltData)}</pre>`
        : html``
    }
    <h2>Timeline</h2>
    <table id="timeline">
      <thead>
        <tr>
          <th>time</th>
          <th>step</th>
          <th>action</th>
          <th>duration</th>
          <th></th>
          <th>detail</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map(
          (e) =>
            html`<tr>
              <td>${e.timestamp.toISOString().slice(11, 23)}</td>
              <td>${e.stepId}</td>
              <td><span class="badge ${actionClass(e.action)}">${e.action}</span></td>
              <td>${e.durationMs === null ? '' : `${e.durationMs} ms`}</td>
              <td class="timing">
                ${e.durationMs === null ? html`` : html`<progress class="bar" max="100" value="${Math.max(1, Math.round(((e.durationMs ?? 0) / longest) * 100))}"></progress>`}
              </td>
              <td>
                ${e.error ? html`<span class="error">${errorMessage(e.error)}</span>` : e.output === null ? '' : short(e.output)}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <div class="grid">
      <div>
        <h2>Context</h2>
        <pre id="ctx">${json(execution.ctx)}</pre>
      </div>
      <div>
        <h2>Result</h2>
        <pre id="result">${json(execution.result)}</pre>
      </div>
    </div>`;
}

export function notFound(executionId: string): SafeHtml {
  return html`<h1>Not found</h1>
    <p>There is no execution <code>${executionId}</code>.</p>`;
}

function actionClass(action: string): string {
  return (
    { started: 'running', completed: 'completed', failed: 'failed', halted: 'halted' }[action] ?? ''
  );
}

/** An entry's error is stored serialized, stack included; a person needs its name and message. */
function errorMessage(stored: string): string {
  const { name, message } = deserializeError(stored);
  return `${name}: ${message}`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Constant markup of this file (style, script, attributes), never data. */
function asSafe(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
