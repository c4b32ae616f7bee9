import type { WorkflowDefinition } from '../../../core/definition/definition-types';
import type { Execution } from '../../../core/types';
import { executionTable } from './execution-table';
import { workflowLink } from './links';
import { renderGraph } from './graph/render-graph';
import { NO_STATE } from './graph/graph-state';
import { html, type SafeHtml } from './html';

/** Sections other features add to a workflow's page (its schedules, say). */
export type WorkflowSection = SafeHtml;

/** A workflow: what it is, its inputs, its steps as a picture, its versions and newest executions. */
export function workflowPage(
  apiPath: string,
  definition: WorkflowDefinition,
  versions: readonly string[],
  recent: readonly Execution[],
  sections: readonly WorkflowSection[] = [],
): SafeHtml {
  const inputs = Object.entries(definition.inputs);
  return html`<h1>
      ${definition.name} <span class="muted">${definition.id} v${definition.version}</span>
    </h1>
    ${definition.description ? html`<p>${definition.description}</p>` : ''}
    ${
      versions.length > 1
        ? html`<p id="versions">
            Versions:
            ${versions.map((v) =>
              v === definition.version
                ? html`<b>${v}</b> `
                : html`<a href="${workflowLink(apiPath, definition.id, v)}">${v}</a> `,
            )}
          </p>`
        : ''
    }
    <h2>Steps</h2>
    <div class="graph-box">${renderGraph(definition.steps, NO_STATE)}</div>
    ${
      inputs.length
        ? html`<h2>Inputs</h2>
            <table id="inputs" class="cards">
              <thead>
                <tr>
                  <th>name</th>
                  <th>type</th>
                  <th>required</th>
                  <th>default</th>
                </tr>
              </thead>
              <tbody>
                ${inputs.map(
                  ([name, spec]) =>
                    html`<tr>
                      <td data-label="name"><code>${name}</code></td>
                      <td data-label="type">${spec.type}</td>
                      <td data-label="required">${spec.required ? 'yes' : 'no'}</td>
                      <td data-label="default">
                        ${spec.default === undefined ? '' : JSON.stringify(spec.default)}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }
    ${sections}
    <h2>Newest executions</h2>
    ${recent.length ? executionTable(apiPath, recent) : html`<p class="muted">None yet.</p>`}
    <p>
      <a href="${apiPath}/dashboard?workflowId=${encodeURIComponent(definition.id)}"
        >All executions of ${definition.id}</a
      >
    </p>`;
}

export function workflowNotFound(workflowId: string, version: string | undefined): SafeHtml {
  return html`<h1>Not found</h1>
    <p>
      No workflow
      <code>${workflowId}</code
      >${version === undefined ? '' : html` version <code>${version}</code>`} is loaded in this
      process.
    </p>`;
}
