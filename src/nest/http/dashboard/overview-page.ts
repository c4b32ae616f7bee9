import type { ExecutionCount } from '../../../core/store/workflow-store';
import { EXECUTION_STATUSES, type Execution } from '../../../core/types';
import { countByWorkflowAndStatus } from './count-executions';
import { executionTable } from './execution-table';
import { pageLink, workflowLink } from './links';
import { searchResults } from './search-results';
import type { SearchResult } from './execution-search';
import { html, type SafeHtml } from './html';
import { constant } from './page-shell';
import { waitingForWorkers, workersNotice, type Workers } from './workers-notice';

export interface OverviewFilters {
  workflowId?: string;
  status?: string;
  /** The page after this execution. */
  before?: string;
  /** Search text: an execution id or an input value. */
  q?: string;
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
  /** Why the workers could not be counted, when they could not. */
  workersFailure?: string;
}

/** Sections other features add to the overview, after the list (schedules, say). */
export type OverviewSection = SafeHtml;

export interface OverviewExtras {
  /** Results of a search, shown instead of the list. */
  search?: SearchResult;
  /** Workflows this process loaded: listed (linked to their pictures) even before they ran. */
  registered?: readonly string[];
  sections?: readonly OverviewSection[];
}

/** Counts by status per workflow, the workers, a filter and search form, and the executions. */
export function overview(
  apiPath: string,
  tally: Tally,
  listed: Execution[],
  filters: OverviewFilters,
  /** Whether a page of older executions may follow. */
  more: boolean,
  extras: OverviewExtras = {},
): SafeHtml {
  const { search, registered = [], sections = [] } = extras;
  const workflows = [...new Set([...tally.counts.map((c) => c.workflowId), ...registered])].sort();
  const workers: Workers =
    tally.workersFailure !== undefined
      ? { mode: 'unknown', reason: tally.workersFailure }
      : tally.workersAlive === null || tally.workersAlive === undefined
        ? { mode: 'in-process' }
        : { mode: 'queue', alive: tally.workersAlive };
  // Without counts, the executions listed still tell whether some wait for a worker.
  const waiting = waitingForWorkers(
    tally.failure === undefined ? tally.counts : countByWorkflowAndStatus(listed),
  );
  return html`<h1>Executions</h1>
    ${workersNotice(workers, waiting)} ${countsTable(apiPath, tally, workflows)}
    ${filterForm(workflows, filters)}
    ${search ? searchResults(apiPath, filters, search) : executionList(apiPath, listed, filters, more)}
    ${sections}`;
}

function countsTable(apiPath: string, tally: Tally, workflows: string[]): SafeHtml {
  const heading =
    tally.sampled === undefined ? 'By status' : `By status (the newest ${tally.sampled})`;
  if (tally.failure !== undefined)
    return html`<h2>${heading}</h2>
      <p class="error" id="counts-failure">Counts unavailable: ${tally.failure}</p>`;
  const countOf = (workflowId: string, status: string) =>
    tally.counts.find((c) => c.workflowId === workflowId && c.status === status)?.count ?? 0;
  return html`<h2>${heading}</h2>
    <table id="counts" class="cards">
      <thead>
        <tr>
          <th>workflow</th>
          ${EXECUTION_STATUSES.map((s) => html`<th>${s}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${workflows.map(
          (workflowId) =>
            html`<tr>
              <td data-label="workflow">
                <a href="${workflowLink(apiPath, workflowId)}">${workflowId}</a>
              </td>
              ${EXECUTION_STATUSES.map((status) => countCell(status, countOf(workflowId, status)))}
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function filterForm(workflows: string[], filters: OverviewFilters): SafeHtml {
  const option = (value: string, chosen: string | undefined) =>
    html`<option value="${value}" ${constant(value === chosen ? ' selected' : '')}>
      ${value || 'any'}
    </option>`;
  return html`<h2>List</h2>
    <form method="get" id="filters">
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
      <input
        type="search"
        name="q"
        value="${filters.q ?? ''}"
        placeholder="execution id or input value"
        aria-label="execution id or input value"
      />
      <button type="submit">Filter</button>
    </form>`;
}

function executionList(
  apiPath: string,
  listed: Execution[],
  filters: OverviewFilters,
  more: boolean,
): SafeHtml {
  return html`${executionTable(apiPath, listed)}
    <nav class="pages">
      ${filters.before ? html`<a href="${pageLink(apiPath, filters, undefined)}">Newest</a>` : ''}
      ${
        more && listed.length
          ? html`<a href="${pageLink(apiPath, filters, listed[listed.length - 1].id)}">Older</a>`
          : ''
      }
    </nav>`;
}

/** Zero counts are folded away on narrow screens, where each workflow is a card. */
function countCell(status: string, count: number): SafeHtml {
  return html`<td data-label="${status}" class="${count ? 'count' : 'zero'}">${count}</td>`;
}
