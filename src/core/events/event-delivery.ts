import { randomUUID } from 'node:crypto';
import { EVENT_NAME } from '../definition/parse-event-step';
import {
  ExecutionNotFoundError,
  ExecutionStateError,
  InvalidEventError,
  StoreCapabilityError,
} from '../errors';
import { storeCan } from '../store/store-capabilities';
import type { DurableWorkflowStore, StoredEvent, WorkflowStore } from '../store/workflow-store';
import type { Execution, ResumePayload } from '../types';
import { eventWaitOf, payloadKey, payloadMatches } from './event-keys';

export interface EventDeliveryOptions {
  store: WorkflowStore;
  now: () => Date;
  /** Hands a resume over as `WorkflowService.resume` does: resolves once it was accepted. */
  resume: (executionId: string, payload: ResumePayload) => Promise<unknown>;
}

export interface SendEventOptions {
  /** Delivers at most once per execution and id; sending an id again delivers nothing twice. @defaultValue a new UUID */
  id?: string;
}

/** What `redeliver` did: the events it handed off, the executions they resumed, those it could not. */
export interface Redelivery {
  events: number;
  resumed: number;
  failed: { eventId: string; error: unknown }[];
}

/** Resumes handed over at once while an event fans out to the executions waiting for it. */
const FAN_OUT = 16;
const PRUNE_BATCH = 1000;
const REDELIVER_BATCH = 100;

/**
 * Sends events to the executions waiting for them, through the runner's resume (in process, or an
 * accepted resume job). Waits are read from the store's index by key, never by scanning executions:
 * one key per match field set the event name's waits use.
 */
export class EventDelivery {
  constructor(private readonly options: EventDeliveryOptions) {}

  async send(
    name: string,
    payload: unknown,
    options: SendEventOptions = {},
  ): Promise<{ delivered: string[] }> {
    const problems = eventProblems(name, options);
    if (problems.length) throw new InvalidEventError(problems);
    const store = this.store();
    const id = options.id ?? randomUUID();
    const { event, created } = await store.acceptEvent({
      id,
      name,
      payload: payload ?? null,
      sentAt: this.options.now(),
    });
    if (event.name !== name) {
      throw new InvalidEventError([
        `"id" ${JSON.stringify(id)} was sent before as event "${event.name}": an id names one event, whatever its name`,
      ]);
    }
    const delivered = await this.fanOut(event, created);
    // Every delivery is an accepted resume now: a sender stopped before this line leaves the
    // event to `redeliver`.
    await store.markEventDelivered(event.id);
    return { delivered };
  }

  /**
   * Delivers again the events kept and not marked delivered that were sent before `sentBefore`:
   * those whose sender stopped between keeping them and handing their deliveries off. An execution
   * that got an event already is not given it again. An event whose delivery fails stays
   * undelivered, for the next call; the others go on.
   */
  async redeliver(sentBefore: Date): Promise<Redelivery> {
    const store = this.store();
    const outcome: Redelivery = { events: 0, resumed: 0, failed: [] };
    const failedIds = new Set<string>();
    for (;;) {
      const events = await store.undeliveredEvents({ sentBefore, limit: REDELIVER_BATCH });
      const fresh = events.filter((event) => !failedIds.has(event.id));
      for (const event of fresh) {
        try {
          const resumed = await this.fanOut(event, false);
          await store.markEventDelivered(event.id);
          outcome.events++;
          outcome.resumed += resumed.length;
        } catch (error) {
          failedIds.add(event.id);
          outcome.failed.push({ eventId: event.id, error });
        }
      }
      // A full batch of events that failed here: the rest waits for the next call.
      if (events.length < REDELIVER_BATCH || fresh.length === 0) return outcome;
    }
  }

  /** Resumes every execution waiting for the event; returns those it resumed. */
  private async fanOut(event: StoredEvent, fresh: boolean): Promise<string[]> {
    const store = this.store();
    const shapes = await store.eventWaitShapes(event.name);
    const keys = new Set<string>();
    for (const fields of shapes) {
      const key = payloadKey(event.name, fields, event.payload);
      if (key !== null) keys.add(key);
    }
    const waiting = [...new Set(await store.eventWaiters([...keys]))];
    const delivered: string[] = [];
    for (let i = 0; i < waiting.length; i += FAN_OUT) {
      const batch = waiting.slice(i, i + FAN_OUT);
      const outcomes = await Promise.all(
        batch.map((executionId) => this.deliver(executionId, event, fresh)),
      );
      batch.forEach((executionId, n) => outcomes[n] && delivered.push(executionId));
    }
    return delivered;
  }

  /**
   * Delivers to an execution that just halted at an `event` step the oldest kept event it matches
   * and was not given, sent since the wait's lookback began: one that raced ahead of the wait's
   * index entry. True when it delivered one.
   */
  async catchUp(execution: Execution): Promise<boolean> {
    const wait = eventWaitOf(execution);
    if (!wait?.since) return false;
    const given = new Set(execution.runtime?.events ?? []);
    const kept = await this.store().retainedEvents(wait.name, wait.since);
    const event = kept.find((e) => !given.has(e.id) && payloadMatches(wait.match, e.payload));
    return event ? this.deliver(execution.id, event, false) : false;
  }

  /** Removes the events sent before `sentBefore`; returns how many. */
  async prune(sentBefore: Date): Promise<number> {
    const store = this.store();
    let total = 0;
    for (;;) {
      const removed = await store.pruneEvents({ sentBefore, limit: PRUNE_BATCH });
      total += removed;
      if (removed < PRUNE_BATCH) return total;
    }
  }

  /**
   * Resumes the execution with the event if it still waits for it; false when it does not. `fresh`:
   * this call kept the event, so an execution that has it already got it from the catch-up after its
   * halt, racing this call: it counts as delivered by it.
   */
  private async deliver(executionId: string, event: StoredEvent, fresh: boolean): Promise<boolean> {
    const execution = await this.store().load(executionId);
    if (!execution) return false;
    if (given(execution, event.id)) return fresh;
    // The index may name an execution that left the wait in a way that kept no index (an old copy).
    const wait = eventWaitOf(execution);
    if (!wait || wait.name !== event.name || !payloadMatches(wait.match, event.payload))
      return false;
    try {
      await this.options.resume(executionId, {
        response: event.payload,
        event: { id: event.id, name: event.name },
      });
      return true;
    } catch (error) {
      // Another event, a timeout, a cancel or the same event from elsewhere came first.
      if (!(error instanceof ExecutionStateError || error instanceof ExecutionNotFoundError))
        throw error;
      if (!fresh) return false;
      const now = await this.store().load(executionId);
      return now !== null && given(now, event.id);
    }
  }

  private store(): DurableWorkflowStore {
    const { store } = this.options;
    const methods = [
      'acceptEvent',
      'markEventDelivered',
      'undeliveredEvents',
      'eventWaitShapes',
      'eventWaiters',
      'retainedEvents',
      'pruneEvents',
    ] as const;
    const missing = methods.filter((method) => !storeCan(store, method));
    if (missing.length) throw new StoreCapabilityError('Sending events', missing);
    return store as DurableWorkflowStore;
  }
}

function eventProblems(name: unknown, options: SendEventOptions): string[] {
  const problems: string[] = [];
  if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
    problems.push(
      `the name must match [A-Za-z0-9_.:-]{1,200}, got ${JSON.stringify(name) ?? String(name)}`,
    );
  }
  const { id } = options;
  if (id !== undefined && !isEventId(id)) {
    problems.push(
      `"id" must be 1 to 200 characters without control characters, got ${JSON.stringify(id) ?? String(id)}`,
    );
  }
  return problems;
}

/** 1 to 200 characters, none of them a control character. */
function isEventId(id: unknown): boolean {
  if (typeof id !== 'string' || id.length < 1 || id.length > 200) return false;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

function given(execution: Execution, eventId: string): boolean {
  return execution.runtime?.events?.includes(eventId) ?? false;
}
