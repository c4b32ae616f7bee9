import { eventWaitOf } from '../../../core/events/event-keys';
import type { Execution } from '../../../core/types';
import { html, type SafeHtml } from './html';

/** What a halted execution waits for at an `event` step: the event's name, its match, its timeout. */
export function eventWaitSection(execution: Execution): SafeHtml {
  const wait = eventWaitOf(execution);
  if (!wait) return html``;
  const expires = execution.haltData?.['expires_at'];
  return html`<h2>Waiting for an event</h2>
    <p id="event-wait">
      Event <code id="event-name">${wait.name}</code>
      ${
        Object.keys(wait.match).length === 0
          ? html`(any payload)`
          : html`whose payload has these fields equal:`
      }
      ${typeof expires === 'string' ? html`Gives up at ${expires}.` : html``}
    </p>
    ${
      Object.keys(wait.match).length === 0
        ? html``
        : html`<pre id="event-match">${JSON.stringify(wait.match, null, 2)}</pre>`
    }`;
}
