import { isFinished, type Execution } from '../../../core/types';
import { html, type SafeHtml } from './html';
import { workflowLink } from './links';
import { timeAgo } from './relative-time';

/** Executions as a table on wide screens, as cards on narrow ones. */
export function executionTable(
  apiPath: string,
  executions: readonly Execution[],
  id = 'executions',
): SafeHtml {
  return html`<table id="${id}" class="cards">
    <thead>
      <tr>
        <th>execution</th>
        <th>workflow</th>
        <th>status</th>
        <th>step</th>
        <th>started</th>
        <th>updated</th>
      </tr>
    </thead>
    <tbody>
      ${executions.map(
        (e) =>
          html`<tr data-id="${e.id}">
            <td data-label="execution">
              <a href="${apiPath}/dashboard/executions/${encodeURIComponent(e.id)}">${e.id}</a>
            </td>
            <td data-label="workflow">
              <a href="${workflowLink(apiPath, e.workflowId)}">${e.workflowId}</a>
              v${e.workflowVersion}
            </td>
            <td data-label="status"><span class="badge ${e.status}">${e.status}</span></td>
            <td data-label="step">${isFinished(e.status) ? '' : (e.currentStep ?? '')}</td>
            <td data-label="started">${timeAgo(e.createdAt)}</td>
            <td data-label="updated">${timeAgo(e.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
