import type { EventStep } from '../definition/definition-types';
import { EventTimeoutError } from '../errors';
import type { StepHandler } from './step-handler';

/**
 * Waits for an event whose payload matches. An event kept from up to `lookback` seconds before is
 * taken at once; otherwise the execution halts (indexed by the match, so `sendEvent` finds it), and
 * with `timeout`, `expires_at` says when the runner fires the timer, which goes to `on_timeout`.
 */
export const eventStep: StepHandler<EventStep> = {
  run: async (step, context) => {
    const now = context.now();
    const match: Record<string, unknown> = {};
    // A missing reference matches null, as stored halt data (JSON) would keep it.
    for (const [field, value] of Object.entries(step.match))
      match[field] = context.resolve(value) ?? null;
    const since = new Date(now.getTime() - step.lookback * 1000);
    if (step.lookback > 0) {
      const kept = await context.events.undelivered(step.name, match, since);
      if (kept) {
        context.events.delivered(kept.id);
        if (step.output) context.ctx[step.output] = kept.payload;
        return { kind: 'continue', result: { event: kept.id, payload: kept.payload } };
      }
    }
    const haltData: Record<string, unknown> = { type: 'event', name: step.name, match };
    if (step.timeout !== undefined) {
      haltData['expires_at'] = new Date(now.getTime() + step.timeout * 1000).toISOString();
    }
    haltData['waiting_since'] = since.toISOString();
    return { kind: 'halt', haltData };
  },
  resumeProblems: (step, payload) =>
    payload.event && payload.event.name !== step.name
      ? [
          `event "${payload.event.name}" is not the event "${step.name}" step "${step.id}" waits for`,
        ]
      : [],
  resume: async (step, halted, payload) => {
    const eventPayload = payload.response ?? null;
    if (step.output) halted.ctx[step.output] = eventPayload;
    return {
      kind: 'continue',
      result: { event: payload.event?.id ?? null, payload: eventPayload },
      next: halted.execution.recoverTo,
    };
  },
  // A fork passes the step as the execution forked had it: with the event's payload, or timed out.
  replay: (step, output, context) => {
    const recorded = (output ?? {}) as { timed_out?: unknown; payload?: unknown };
    if (recorded.timed_out === true) {
      return { kind: 'continue', result: output, next: step.on_timeout ?? null };
    }
    if (step.output) context.ctx[step.output] = recorded.payload ?? null;
    return { kind: 'continue', result: output };
  },
  fireTimer: async (step, halted) => {
    if (!halted.timerDue()) return null;
    if (step.on_timeout === undefined)
      throw new EventTimeoutError(step.id, step.name, step.timeout);
    return { kind: 'continue', result: { timed_out: true }, next: step.on_timeout };
  },
};
