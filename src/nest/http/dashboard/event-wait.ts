import { eventWaitOf } from '../../../core/events/event-keys';
import type { Execution } from '../../../core/types';
import { html, type SafeHtml } from './html';
import { timeAgo } from './relative-time';

/** What a halted execution waits for at an `event` step: the event's name, its match, its timeout. */
export function eventWaitSection(execution: Execution): SafeHtml {
  const wait = eventWaitOf(execution);
  if (!wait) return html``;
  const expires = execution.haltData?.['expires_at'];
  const fields = Object.keys(wait.match).length;
  return html`<section class="card" id="event-wait">
    <h2>Waiting for an event</h2>
    <p>
      Event <code id="event-name">${wait.name}</code>
      ${fields === 0 ? html`with any payload.` : html`whose payload has these fields equal:`}
    </p>
    ${fields === 0 ? html`` : html`<pre id="event-match">${JSON.stringify(wait.match, null, 2)}</pre>`}
    ${
      typeof expires === 'string'
        ? html`<p class="muted">Gives up ${timeAgo(expires)}.</p>`
        : html``
    }
  </section>`;
}

/** Adds the event wait, if any, to the notes other features give the execution page. */
export function withEventWait<T extends { notes: SafeHtml[] }>(extras: T, execution: Execution): T {
  return { ...extras, notes: [eventWaitSection(execution), ...extras.notes] };
}
