import type { Execution } from '../../../core/types';
import { html, type SafeHtml } from './html';
import { timeAgo } from './relative-time';

/**
 * What a halted execution waits for, as a card: an approval's prompt, its context and who may
 * answer, with Approve / Reject and an optional response; a halt's reason with Resume; a timer's
 * moment. The raw halt data is shown further down. A resume already accepted (queue mode, before a
 * worker applies it) is said so, without buttons that could only be refused.
 */
export function haltCard(execution: Execution): SafeHtml | string {
  const data = execution.haltData;
  if (execution.status !== 'halted' || !data) return '';
  const type = data['child_type'] ?? data['type'];
  const id = execution.id;
  const via =
    data['child_workflow_id'] !== undefined
      ? html`<p class="muted">
          Asked by the sub-workflow <b>${data['child_workflow_id']}</b> (execution
          <code>${data['child_execution_id']}</code>); the answer goes on to it.
        </p>`
      : '';
  const accepted = execution.runtime?.acceptedResume?.payload;
  if (accepted)
    return html`<section class="card" id="answered">
      <h2>Answered</h2>
      ${via}
      <p>
        ${accepted.approved === undefined ? 'Resumed' : accepted.approved ? 'Approved' : 'Rejected'};
        waiting for a worker to go on.
      </p>
    </section>`;
  if (type === 'wait')
    return html`<section class="card" id="wait-card">
      <h2>Waiting</h2>
      ${via}
      <p>Goes on ${timeAgo(stringOr(data['resume_at']))}.</p>
    </section>`;
  if (type === 'approval')
    return html`<section class="card approval" id="approval">
      <h2>Approval needed</h2>
      ${via}
      <p class="prompt" id="approval-prompt">${text(data['prompt'] ?? 'Approve?')}</p>
      ${details([
        ...entriesOf(data['context']),
        ...(data['approvers'] !== null && data['approvers'] !== undefined
          ? [['approvers', data['approvers']] as [string, unknown]]
          : []),
      ])}
      <p class="muted">
        Asked
        ${timeAgo(stringOr(data['requested_at']))}${
          data['expires_at'] ? html`, expires ${timeAgo(stringOr(data['expires_at']))}` : ''
        }.
      </p>
      <label for="response"
        >Response (optional, given to the workflow as <code>$response</code>)</label
      >
      <textarea id="response" name="response" rows="2"></textarea>
      <div>
        <button class="primary" data-action="approve" data-id="${id}">Approve</button>
        <button class="danger" data-action="reject" data-id="${id}">Reject</button>
      </div>
    </section>`;
  return html`<section class="card approval" id="halt-card">
    <h2>Halted</h2>
    ${via}
    <p class="prompt">${text(data['reason'] ?? 'Waiting to be resumed.')}</p>
    <label for="response"
      >Response (optional, given to the workflow as <code>$response</code>)</label
    >
    <textarea id="response" name="response" rows="2"></textarea>
    <div><button class="primary" data-action="resume" data-id="${id}">Resume</button></div>
  </section>`;
}

function details(pairs: [string, unknown][]): SafeHtml | string {
  if (!pairs.length) return '';
  return html`<dl id="approval-context">
    ${pairs.map(
      ([key, value]) =>
        html`<dt>${key}</dt>
          <dd>${text(value)}</dd>`,
    )}
  </dl>`;
}

function entriesOf(value: unknown): [string, unknown][] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  return [['context', value]];
}

/** Strings as they are, anything else as compact JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function stringOr(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
