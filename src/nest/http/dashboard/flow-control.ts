import type { ScheduleInfo } from '../../schedules/schedule-listing';
import type { WaitingFor } from '../../workflow.service';
import { html, type SafeHtml } from './html';

/** The overview's table of schedules and their next run; nothing when no workflow has one. */
export function schedulesSection(schedules: readonly ScheduleInfo[]): SafeHtml {
  if (schedules.length === 0) return html``;
  return html`<h2>Schedules</h2>
    <table id="schedules">
      <thead>
        <tr>
          <th>workflow</th>
          <th>cron</th>
          <th>time zone</th>
          <th>next run</th>
        </tr>
      </thead>
      <tbody>
        ${schedules.map(
          (s) =>
            html`<tr>
              <td>${s.workflowId}</td>
              <td><code>${s.cron}</code></td>
              <td>${s.timezone}</td>
              <td>${s.nextRunAt.toISOString()}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

/** Adds what a pending execution waits for (a concurrency slot), if anything, to the page's notes. */
export function withConcurrencyWait<T extends { notes: SafeHtml[] }>(
  extras: T,
  waitingFor: WaitingFor | null,
): T {
  if (!waitingFor) return extras;
  const note = html`<p id="waiting-for">
    Waits for a concurrency slot of key
    <code>${waitingFor.concurrency || '(whole workflow)'}</code>: it starts once an earlier
    execution of that key leaves <b>running</b>.
  </p>`;
  return { ...extras, notes: [note, ...extras.notes] };
}
