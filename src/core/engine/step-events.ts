import { payloadMatches } from '../events/event-keys';
import type { StoredEvent } from '../store/workflow-store';
import type { RunState } from './run-state';
import type { StepEvents } from './step-context';

/** Reads kept events of a name sent at or after a moment, oldest first, a page at a time. */
export type RetainedEvents = (name: string, since: Date, limit: number) => Promise<StoredEvent[]>;

const PAGE = 100;

/** What an `event` step sees of kept events, for one execution being driven. */
export function stepEvents(state: RunState, retained: RetainedEvents): StepEvents {
  return {
    undelivered: async (name, match, since) => {
      const seen = new Set(state.runtime.events ?? []);
      let from = since;
      for (;;) {
        const page = await retained(name, from, PAGE);
        const found = page.find(
          (event) => !seen.has(event.id) && payloadMatches(match, event.payload),
        );
        if (found) return found;
        if (page.length < PAGE) return null;
        // Events sent in the same millisecond as the page's last one are read again; `seen` skips none.
        const last = page[page.length - 1].sentAt;
        if (last.getTime() === from.getTime()) return null;
        from = last;
      }
    },
    delivered: (eventId) => {
      state.runtime.events = [...(state.runtime.events ?? []), eventId];
    },
  };
}
