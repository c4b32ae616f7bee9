import type { Execution } from '../../../core/types';
import { html, type SafeHtml } from './html';

/** A link to an execution's page. */
export function executionLink(apiPath: string, executionId: string): SafeHtml {
  return html`<a href="${apiPath}/dashboard/executions/${encodeURIComponent(executionId)}"
    >${executionId}</a
  >`;
}

/** What retry and fork add to an execution's page: where it was forked from, and Retry. */
export function retryForkExtras(
  execution: Execution,
  apiPath: string,
): { notes: SafeHtml[]; actions: SafeHtml[] } {
  const forkedFrom = execution.runtime?.forkedFrom;
  return {
    notes: forkedFrom
      ? [
          html`<p id="forked-from">
            Forked from ${executionLink(apiPath, forkedFrom.executionId)} at step
            <b>${forkedFrom.fromStep}</b>.
          </p>`,
        ]
      : [],
    actions:
      execution.status === 'failed'
        ? [
            html`<button class="primary" data-action="retry" data-id="${execution.id}">
              Retry
            </button>`,
          ]
        : [],
  };
}
