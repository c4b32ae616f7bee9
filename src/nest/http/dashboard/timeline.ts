import { deserializeError } from '../../../core/error-serialization';
import type { Entry } from '../../../core/types';
import { html, type SafeHtml } from './html';
import { duration } from './relative-time';
import { executionLink } from './retry-fork-extras';

/**
 * The trail: each entry's moment after the start (exact time on hover), step, its type (a custom
 * step shows by its registered name), action, duration;
 * "Run again from here" on each completed step (a fork from it), and the fork a `forked` entry made.
 */
export function timeline(
  entries: readonly Entry[],
  startedAt: Date,
  of: { apiPath: string; executionId: string },
): SafeHtml {
  const longest = Math.max(1, ...entries.map((e) => e.durationMs ?? 0));
  return html`<table id="timeline" class="cards">
    <thead>
      <tr>
        <th>after</th>
        <th>step</th>
        <th>type</th>
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
            <td data-label="after">
              <time
                datetime="${e.timestamp.toISOString()}"
                title="${e.timestamp.toISOString()}"
                data-fixed
                >+${duration(Math.max(0, e.timestamp.getTime() - startedAt.getTime()))}</time
              >
            </td>
            <td data-label="step">${e.stepId}</td>
            <td data-label="type">${e.stepType}</td>
            <td data-label="action">
              <span class="badge ${actionClass(e.action)}">${e.action}</span>
            </td>
            <td data-label="duration">${e.durationMs === null ? '' : duration(e.durationMs)}</td>
            <td class="timing" data-label="">
              ${e.durationMs === null ? '' : html`<progress class="bar" max="100" value="${Math.max(1, Math.round((e.durationMs / longest) * 100))}"></progress>`}
            </td>
            <td data-label="detail">
              ${e.error ? html`<span class="error">${errorMessage(e.error)}</span>` : e.action === 'forked' && forkOf(e) ? html`fork ${executionLink(of.apiPath, forkOf(e)!)}` : e.output === null ? '' : short(e.output)}
              ${
                e.action === 'completed'
                  ? html`<button
                      class="small"
                      data-action="fork"
                      data-id="${of.executionId}"
                      data-step="${stepOf(e.stepId)}"
                    >
                      Run again from here
                    </button>`
                  : ''
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function actionClass(action: string): string {
  return (
    {
      started: 'running',
      completed: 'completed',
      failed: 'failed',
      halted: 'halted',
      retried: 'pending',
      forked: 'pending',
    }[action] ?? ''
  );
}

/** The fork a `forked` entry of the execution forked names. */
function forkOf(entry: Entry): string | null {
  const forked = (entry.output as { executionId?: unknown } | null)?.executionId;
  return typeof forked === 'string' ? forked : null;
}

/** The step an entry names: inside a loop body entries read `loopId:stepId`. */
function stepOf(entryStepId: string): string {
  return entryStepId.slice(entryStepId.lastIndexOf(':') + 1);
}

/** An entry's error is stored serialized, stack included; a person needs its name and message. */
export function errorMessage(stored: string): string {
  const { name, message } = deserializeError(stored);
  return `${name}: ${message}`;
}

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
