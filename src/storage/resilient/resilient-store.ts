import { setTimeout as sleep } from 'node:timers/promises';
import type { Entry, Execution } from '../../core/types';
import { StoreError, StoreUnavailableError } from '../../core/store/store-errors';
import type {
  ClaimableQuery,
  DeleteFinishedQuery,
  DueTimersQuery,
  DurableWorkflowStore,
  ExecutionCount,
  ExecutionIdsQuery,
  FindQuery,
  CheckpointOptions,
  PruneEventsQuery,
  StoredEvent,
  LapsedSlotsQuery,
  UndeliveredEventsQuery,
  SlotRequest,
} from '../../core/store/workflow-store';
import type { DelegatingStore } from '../../core/store/store-capabilities';
import type { StoreLog } from '../../core/store/store-log';
import { CircuitBreaker } from './circuit-breaker';
import { classifyFailure } from './failure-kind';

export interface ResilientStoreOptions {
  /** Further attempts after a call failed for a transient reason. @defaultValue 3 */
  retries?: number;
  /** First back-off delay; each further one doubles, with jitter. @defaultValue 50 */
  baseDelayMs?: number;
  /** Longest back-off delay. @defaultValue 2000 */
  maxDelayMs?: number;
  /** Consecutive failed calls (retries exhausted) that open the circuit. @defaultValue 5 */
  failureThreshold?: number;
  /** How long an open circuit fails fast before one trial call is let through. @defaultValue 5000 */
  resetTimeoutMs?: number;
  /** Told when the circuit opens and closes. @defaultValue none */
  log?: StoreLog;
}

class ResilientStoreDefaults implements Required<Omit<ResilientStoreOptions, 'log'>> {
  retries = 3;
  baseDelayMs = 50;
  maxDelayMs = 2000;
  failureThreshold = 5;
  resetTimeoutMs = 5000;
}

/**
 * Wraps a store with retries (exponential back-off with jitter) for outages and a circuit breaker
 * that fails fast while the backend is down. It never falls back to memory: a write that cannot be
 * made durable fails. Answers such as conflicts, constraint violations and bad data pass straight
 * through. After an ambiguous failure (the connection broke mid-call) a write is first checked for
 * having landed, so a retry never applies it twice.
 */
export class ResilientStore implements DurableWorkflowStore, DelegatingStore {
  private readonly options: Required<Omit<ResilientStoreOptions, 'log'>>;
  private readonly breaker: CircuitBreaker;
  private readonly log: StoreLog;
  private lastOutage: unknown;

  constructor(
    readonly store: DurableWorkflowStore,
    options: ResilientStoreOptions = {},
  ) {
    const { log, ...tuning } = options;
    this.log = log ?? (() => undefined);
    this.options = { ...new ResilientStoreDefaults(), ...definedOnly(tuning) };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < 0) {
        throw new StoreError(`ResilientStore: ${name} must be a whole number ≥ 0, got ${value}.`);
      }
    }
    this.breaker = new CircuitBreaker(this.options.failureThreshold, this.options.resetTimeoutMs);
  }

  describe(): string {
    return this.store.describe?.() ?? 'the configured store';
  }

  get circuitState(): 'closed' | 'open' | 'half-open' {
    return this.breaker.state;
  }

  save(execution: Execution): Promise<Execution> {
    return this.execute(
      'save',
      () => this.store.save(execution),
      () => this.landedCheckpoint(execution, []),
    );
  }

  checkpoint(
    execution: Execution,
    entries: readonly Entry[],
    options?: CheckpointOptions,
  ): Promise<Execution> {
    return this.execute(
      'checkpoint',
      () => this.store.checkpoint(execution, entries, options),
      () => this.landedCheckpoint(execution, entries),
    );
  }

  load(executionId: string): Promise<Execution | null> {
    return this.execute('load', () => this.store.load(executionId));
  }

  record(entry: Entry): Promise<Entry> {
    return this.execute(
      'record',
      () => this.store.record(entry),
      async () => ((await this.hasEntry(entry.executionId, entry.id)) ? entry : undefined),
    );
  }

  entries(executionId: string): Promise<Entry[]> {
    return this.execute('entries', () => this.store.entries(executionId));
  }

  find(query?: FindQuery): Promise<Execution[]> {
    return this.execute('find', () => this.store.find(query));
  }

  delete(executionId: string): Promise<boolean> {
    return this.execute(
      'delete',
      () => this.store.delete(executionId),
      async () => ((await this.store.load(executionId)) === null ? true : undefined),
    );
  }

  executionIds(query?: ExecutionIdsQuery): Promise<string[]> {
    return this.execute('executionIds', () => this.store.executionIds(query));
  }

  claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null> {
    // Claiming again as the same worker succeeds, so a retry after an ambiguous failure is safe.
    return this.execute('claim', () => this.store.claim(executionId, workerId, ttlMs));
  }

  extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean> {
    return this.execute('extendClaim', () => this.store.extendClaim(executionId, workerId, ttlMs));
  }

  releaseClaim(executionId: string, workerId: string): Promise<boolean> {
    return this.execute('releaseClaim', () => this.store.releaseClaim(executionId, workerId));
  }

  findClaimable(query?: ClaimableQuery): Promise<Execution[]> {
    return this.execute('findClaimable', () => this.store.findClaimable(query));
  }

  /** Refused as a wrapped store's would be when the wrapped store keeps no index of due timers. */
  findDueTimers(query: DueTimersQuery): Promise<Execution[]> {
    const find = this.store.findDueTimers?.bind(this.store);
    if (!find)
      return Promise.reject(
        new StoreError(
          `ResilientStore: the wrapped store (${this.describe()}) has no findDueTimers; ask storeCan(store, 'findDueTimers') first.`,
        ),
      );
    return this.execute('findDueTimers', () => find(query));
  }

  /** Deleting again after an unclear failure is harmless: it removes what is still there. */
  deleteFinished(query: DeleteFinishedQuery): Promise<number> {
    return this.execute('deleteFinished', () => this.store.deleteFinished(query));
  }

  countExecutions(): Promise<ExecutionCount[]> {
    return this.execute('countExecutions', () => this.store.countExecutions());
  }

  /** Accepting again after an unclear failure finds the event kept under its id: no second copy. */
  acceptEvent(event: StoredEvent): Promise<{ event: StoredEvent; created: boolean }> {
    return this.execute('acceptEvent', () => this.store.acceptEvent(event));
  }

  /** Marking again after an unclear failure is harmless: a delivered event stays delivered. */
  markEventDelivered(eventId: string): Promise<void> {
    return this.execute('markEventDelivered', () => this.store.markEventDelivered(eventId));
  }

  undeliveredEvents(query: UndeliveredEventsQuery): Promise<StoredEvent[]> {
    return this.execute('undeliveredEvents', () => this.store.undeliveredEvents(query));
  }

  eventWaitShapes(name: string): Promise<string[][]> {
    return this.execute('eventWaitShapes', () => this.store.eventWaitShapes(name));
  }

  eventWaiters(keys: readonly string[]): Promise<string[]> {
    return this.execute('eventWaiters', () => this.store.eventWaiters(keys));
  }

  retainedEvents(name: string, since: Date, limit?: number): Promise<StoredEvent[]> {
    return this.execute('retainedEvents', () => this.store.retainedEvents(name, since, limit));
  }

  /** Pruning again after an unclear failure is harmless: it removes what is still there. */
  pruneEvents(query: PruneEventsQuery): Promise<number> {
    return this.execute('pruneEvents', () => this.store.pruneEvents(query));
  }

  /** Taking again as the same holder keeps the slot, so a retry after an unclear failure is safe. */
  takeSlot(request: SlotRequest): Promise<boolean> {
    return this.execute('takeSlot', () => this.store.takeSlot(request));
  }

  extendSlot(executionId: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.execute('extendSlot', () => this.store.extendSlot(executionId, holder, ttlMs));
  }

  /**
   * A retry after an unclear failure finds the slot given up and hands nobody on: the executions in
   * line are then taken up by the next release or the recovery sweep.
   */
  releaseSlot(executionId: string, handOnTtlMs?: number): Promise<string[]> {
    return this.execute('releaseSlot', () => this.store.releaseSlot(executionId, handOnTtlMs));
  }

  findLapsedSlots(query?: LapsedSlotsQuery): Promise<string[]> {
    return this.execute('findLapsedSlots', () => this.store.findLapsedSlots(query));
  }

  /**
   * @param landed after an ambiguous failure, tells whether the write already took effect and, if so,
   *   its result; undefined when it did not.
   */
  private async execute<T>(
    method: string,
    operation: () => Promise<T>,
    landed?: () => Promise<T | undefined>,
  ): Promise<T> {
    let uncertain = false;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      const waitMs = this.breaker.acquire();
      if (waitMs > 0)
        throw new StoreUnavailableError(waitMs, { cause: lastError ?? this.lastOutage });
      try {
        const already = uncertain && landed ? await landed() : undefined;
        const result = already !== undefined ? already : await operation();
        this.recovered();
        return result;
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'permanent') {
          this.recovered();
          const already = uncertain && landed ? await landed().catch(() => undefined) : undefined;
          if (already !== undefined) return already;
          throw error;
        }
        uncertain ||= kind === 'ambiguous';
        lastError = error;
        this.outage(error);
        if (attempt < this.options.retries) await sleep(this.backoff(attempt));
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    throw new StoreError(
      `Store ${method} failed after ${this.options.retries + 1} attempts: ${reason}. Nothing more was retried; check the database or Redis server.`,
      { cause: lastError },
    );
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private outage(error: unknown): void {
    const wasClosed = this.breaker.state === 'closed';
    this.breaker.failed();
    this.lastOutage = error;
    if (wasClosed && this.breaker.state !== 'closed') {
      const reason = error instanceof Error ? error.message : String(error);
      this.log(
        'error',
        `Store unavailable (${reason}); failing fast for ${this.options.resetTimeoutMs} ms before trying again.`,
      );
    }
  }

  private recovered(): void {
    if (this.breaker.state !== 'closed') this.log('log', 'Store reachable again; circuit closed.');
    this.breaker.succeeded();
  }

  private async landedCheckpoint(
    execution: Execution,
    entries: readonly Entry[],
  ): Promise<Execution | undefined> {
    const stored = await this.store.load(execution.id);
    if (!stored || stored.revision !== (execution.revision ?? 0) + 1) return undefined;
    const last = entries[entries.length - 1];
    if (last) return (await this.hasEntry(execution.id, last.id)) ? stored : undefined;
    return sameState(stored, execution) ? stored : undefined;
  }

  private async hasEntry(executionId: string, entryId: string): Promise<boolean> {
    return (await this.store.entries(executionId)).some((entry) => entry.id === entryId);
  }
}

function sameState(a: Execution, b: Execution): boolean {
  const state = (e: Execution) =>
    JSON.stringify([
      e.status,
      e.currentStep,
      e.recoverTo,
      e.error,
      e.ctx,
      e.result ?? null,
      e.haltData,
    ]);
  return state(a) === state(b);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
