import type { StoreLog } from '../../core/store/store-log';
import type { Cluster, Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { ExecutionNotFoundError } from '../../core/errors';
import { peers } from '../../peers/peers';
import {
  EXECUTION_STATUSES,
  FINISHED_STATUSES,
  type Entry,
  type Execution,
  type ExecutionStatus,
} from '../../core/types';
import {
  ConcurrentUpdateError,
  CorruptRecordError,
  StoreError,
  StoreUnreachableError,
} from '../../core/store/store-errors';
import {
  encodeCheckpointEntries,
  encodeEntry,
  encodeExecution,
  missingCursor,
  parseStoredJson,
  resolveCreatedBefore,
  resolveDueBefore,
  resolveLimit,
  requireClaimable,
  resolveTtl,
  savedAs,
} from '../store-input';
import {
  compareCounts,
  DEFAULT_CLAIMABLE_LIMIT,
  DEFAULT_DELETE_FINISHED_LIMIT,
  DEFAULT_DUE_TIMERS_LIMIT,
  DEFAULT_EXECUTION_IDS_LIMIT,
  DEFAULT_FIND_LIMIT,
  DEFAULT_PRUNE_EVENTS_LIMIT,
  DEFAULT_RETAINED_EVENTS_LIMIT,
  DEFAULT_UNDELIVERED_EVENTS_LIMIT,
  type EventWaitIndex,
  type PruneEventsQuery,
  type StoredEvent,
  type UndeliveredEventsQuery,
  type CheckpointOptions,
  type DeleteFinishedQuery,
  type DueTimersQuery,
  type ClaimableQuery,
  type DurableWorkflowStore,
  type ExecutionCount,
  type ExecutionIdsQuery,
  type FindQuery,
  type LapsedSlotsQuery,
  type SlotRequest,
  DEFAULT_LAPSED_SLOTS_LIMIT,
} from '../../core/store/workflow-store';
import { encodeEvent, requireEventId, requireEventKeys, resolveMoment } from '../event-input';
import { hashTagOf, isClusterClient } from './hash-tag';
import { LuaScript } from './lua-script';
import { OutageLog } from '../outage-log';
import { ReadableRecords } from '../readable-records';
import {
  entryDocument,
  executionDocument,
  parseEntry,
  parseExecution,
  stateDocument,
  type RedisParts,
} from './redis-codec';
import { encodeParts, type EncodedParts } from '../execution-parts';
import { inspectRedisDurability, type RedisDurabilityReport } from './redis-durability';
import * as scripts from './redis-scripts';
import * as slotScripts from './redis-slot-scripts';
import { timerDueAt } from '../../core/engine/timer-due';

export interface RedisWorkflowStoreOptions {
  /**
   * An ioredis client the application owns; the store never closes it. A `Cluster` client needs a
   * prefix with a hash tag, such as `{durable_workflow}`.
   */
  client?: Redis | Cluster;
  /** Used when no client is given; the store opens and closes its own connection. @defaultValue 'redis://127.0.0.1:6379' */
  url?: string;
  /** Prefix of every key. @defaultValue 'durable_workflow' */
  prefix?: string;
  /**
   * Seconds every key of an execution lives after its last write; 0 keeps them until deleted.
   * @defaultValue 604800 (7 days)
   */
  ttlSeconds?: number;
  /** Where `verifyDurability()`'s warnings go. @defaultValue none: they are only returned */
  log?: StoreLog;
}

/** Executions a call of the learning script reads: a few milliseconds of Redis time. */
const LEARN_BATCH = 2000;

export const DEFAULT_REDIS_PREFIX = 'durable_workflow';
export const DEFAULT_REDIS_TTL_SECONDS = 7 * 24 * 60 * 60;

const SCRIPTS = {
  checkpoint: new LuaScript(scripts.CHECKPOINT),
  load: new LuaScript(scripts.LOAD),
  record: new LuaScript(scripts.RECORD),
  find: new LuaScript(scripts.FIND),
  executionIds: new LuaScript(scripts.EXECUTION_IDS),
  delete: new LuaScript(scripts.DELETE),
  claim: new LuaScript(scripts.CLAIM),
  takeSlot: new LuaScript(slotScripts.TAKE_SLOT),
  extendSlot: new LuaScript(slotScripts.EXTEND_SLOT),
  releaseSlot: new LuaScript(slotScripts.RELEASE_SLOT),
  findLapsedSlots: new LuaScript(slotScripts.LAPSED_SLOTS),
  extendClaim: new LuaScript(scripts.EXTEND_CLAIM),
  releaseClaim: new LuaScript(scripts.RELEASE_CLAIM),
  findClaimable: new LuaScript(scripts.FIND_CLAIMABLE),
  findDueTimers: new LuaScript(scripts.FIND_DUE_TIMERS),
  countExecutions: new LuaScript(scripts.COUNT_EXECUTIONS),
  learnWorkflows: new LuaScript(scripts.LEARN_WORKFLOWS),
  deleteFinished: new LuaScript(scripts.DELETE_FINISHED),
  acceptEvent: new LuaScript(scripts.ACCEPT_EVENT),
  eventWaiters: new LuaScript(scripts.EVENT_WAITERS),
  retainedEvents: new LuaScript(scripts.RETAINED_EVENTS),
  pruneEvents: new LuaScript(scripts.PRUNE_EVENTS),
  undeliveredEvents: new LuaScript(scripts.UNDELIVERED_EVENTS),
};

/**
 * Executions in Redis: a single server, a Sentinel-managed primary, or Redis Cluster with a
 * hash-tagged prefix (every key then lives in the prefix's slot, on one node). As durable as the
 * server's persistence settings: see `verifyDurability()`.
 */
export class RedisWorkflowStore implements DurableWorkflowStore {
  readonly prefix: string;
  readonly ttlSeconds: number;
  private readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly log: StoreLog;
  private readonly readable: ReadableRecords;
  private closing?: Promise<void>;
  private workflowsLearnt = false;

  constructor(options: RedisWorkflowStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    if (this.prefix.length === 0 || /\s/.test(this.prefix)) {
      throw new StoreError(
        `Redis store: prefix must be non-empty and without spaces, got "${this.prefix}".`,
      );
    }
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_REDIS_TTL_SECONDS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 0) {
      throw new StoreError(
        `Redis store: ttlSeconds must be a whole number of seconds (0 = never expire), got ${options.ttlSeconds}.`,
      );
    }
    if (isClusterClient(options.client) && hashTagOf(this.prefix) === null) {
      throw new StoreError(
        `Redis store: on Redis Cluster the prefix must contain a hash tag, such as "{${this.prefix}}", so that every key of the store is in one slot (its scripts change several keys at once); got "${this.prefix}".`,
      );
    }
    this.ownsClient = options.client === undefined;
    this.log = options.log ?? (() => undefined);
    this.readable = new ReadableRecords(this.log);
    // Our own client gives up on a command after one reconnection attempt, so an outage surfaces
    // quickly to the caller (and to ResilientStore) instead of queueing writes in memory.
    this.client =
      options.client ??
      new (peers.ioredis().Redis)(options.url ?? 'redis://127.0.0.1:6379', {
        maxRetriesPerRequest: 1,
      });
    if (this.ownsClient) {
      const outages = new OutageLog(
        this.log,
        `The Redis store's server (${this.describe()})`,
        "Check the store's url (REDIS_URL) and that the server runs.",
      ).watch(this.client);
      this.client.on('ready', () => outages.recovered());
    }
  }

  /**
   * Resolves once the server answers a PING, waiting at most `timeoutMs`. Otherwise a connection
   * the store opened is closed (so it stops reconnecting) and the call rejects with
   * `StoreUnreachableError`, whose message ends with `hint`.
   */
  async requireAnswer(timeoutMs: number, hint: string): Promise<void> {
    let failure: unknown;
    let timer: NodeJS.Timeout | undefined;
    // The connection's own error says more than the command's "max retries" refusal.
    let connectionError: unknown;
    const onError = (error: unknown) => (connectionError = error);
    this.client.on('error', onError);
    const answered = await Promise.race([
      this.client.ping().then(
        () => true,
        (error: unknown) => {
          failure = error;
          return false;
        },
      ),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    this.client.off('error', onError);
    if (answered) return;
    if (this.ownsClient) {
      this.client.disconnect();
      this.closing ??= Promise.resolve();
    }
    throw new StoreUnreachableError(this.describe(), timeoutMs, hint, {
      cause: connectionError ?? failure,
    });
  }

  /** Reads the server's persistence settings and logs a warning for each way executions could be lost. */
  async verifyDurability(): Promise<RedisDurabilityReport> {
    const report = await inspectRedisDurability(this.client);
    for (const warning of report.warnings) this.log('warn', warning);
    return report;
  }

  async save(execution: Execution): Promise<Execution> {
    return this.checkpoint(execution, []);
  }

  async checkpoint(
    execution: Execution,
    entries: readonly Entry[],
    options: CheckpointOptions = {},
  ): Promise<Execution> {
    requireClaimable(execution, options.claimLeaseFor);
    // An insert is always written whole.
    const changes = execution.revision === undefined ? undefined : options.changes;
    const parts = changes ? encodeParts(execution, changes) : null;
    const encodedEntries = encodeCheckpointEntries(execution, entries);
    const updatedAt = new Date();
    const data = parts
      ? stateDocument(execution, parts, updatedAt)
      : executionDocument(execution, encodeExecution(execution), updatedAt);
    // The script's arguments in one array, entries and parts pushed onto it: no array is copied
    // on the way to the client.
    const args: (string | number)[] = [
      this.prefix,
      execution.id,
      execution.revision === undefined ? '' : String(execution.revision),
      execution.workflowId,
      execution.status,
      execution.createdAt.getTime(),
      data,
      this.ttlSeconds,
      options.releaseLeaseOf ?? '',
      ...waitArgs(options.eventWait),
      timerDueAt(execution) ?? '',
      options.claimLeaseFor?.owner ?? '',
      options.claimLeaseFor?.ttlMs ?? '',
      parts ? 'parts' : 'whole',
      entries.length,
    ];
    for (let i = 0; i < entries.length; i++) {
      args.push(entryDocument(entries[i], encodedEntries[i]));
    }
    if (parts) pushPartsArgs(args, parts);
    const reply = (await this.runWith('checkpoint', execution.id, SCRIPTS.checkpoint, args)) as [
      number,
      string | number,
    ];
    if (reply[0] === 1) return savedAs(execution, Number(reply[1]), updatedAt);
    if (reply[1] === 'missing') throw new ExecutionNotFoundError(execution.id);
    throw new ConcurrentUpdateError(execution.id, execution.revision);
  }

  async load(executionId: string): Promise<Execution | null> {
    const key = this.key('exec', executionId);
    const stored = (await this.run('load', executionId, SCRIPTS.load, [executionId])) as
      [string, string | null, RedisParts] | null;
    if (stored === null) return null;
    const [data, revision, parts] = stored;
    if (revision === null)
      throw new CorruptRecordError(`Redis key ${key}`, 'it has no revision field');
    return parseExecution(key, data, revision, parts);
  }

  async record(entry: Entry): Promise<Entry> {
    const encoded = encodeEntry(entry);
    const recorded = await this.run('record', entry.executionId, SCRIPTS.record, [
      entry.executionId,
      entryDocument(entry, encoded),
      this.ttlSeconds,
    ]);
    if (recorded !== 1) throw new ExecutionNotFoundError(entry.executionId);
    return entry;
  }

  async entries(executionId: string): Promise<Entry[]> {
    const key = this.key('entries', executionId);
    const items = await this.command('entries', executionId, () => this.client.lrange(key, 0, -1));
    return items.map((item, index) => parseEntry(`${key}[${index}]`, item));
  }

  async find(query: FindQuery = {}): Promise<Execution[]> {
    const limit = resolveLimit(query.limit, DEFAULT_FIND_LIMIT, 'find');
    const found = (await this.run('find', undefined, SCRIPTS.find, [
      query.workflowId ?? '',
      query.status ?? '',
      limit,
      query.before ?? '',
    ])) as string[];
    // Executions come in threes, so a single item is the script saying the cursor is gone.
    if (found.length === 1 && query.before !== undefined) throw missingCursor(query.before);
    return this.executions(found);
  }

  async delete(executionId: string): Promise<boolean> {
    return (await this.run('delete', executionId, SCRIPTS.delete, [executionId])) === 1;
  }

  async executionIds(query: ExecutionIdsQuery = {}): Promise<string[]> {
    const limit = resolveLimit(query.limit, DEFAULT_EXECUTION_IDS_LIMIT, 'executionIds');
    return (await this.run('executionIds', undefined, SCRIPTS.executionIds, [
      query.workflowId ?? '',
      limit,
    ])) as string[];
  }

  async claim(executionId: string, workerId: string, ttlMs: number): Promise<Execution | null> {
    resolveTtl(ttlMs, 'claim');
    const claimed = (await this.run('claim', executionId, SCRIPTS.claim, [
      executionId,
      workerId,
      ttlMs,
      this.ttlSeconds,
    ])) as [string, string, RedisParts] | null;
    return (
      claimed && parseExecution(this.key('exec', executionId), claimed[0], claimed[1], claimed[2])
    );
  }

  async extendClaim(executionId: string, workerId: string, ttlMs: number): Promise<boolean> {
    resolveTtl(ttlMs, 'extendClaim');
    const extended = await this.run('extendClaim', executionId, SCRIPTS.extendClaim, [
      executionId,
      workerId,
      ttlMs,
    ]);
    return extended === 1;
  }

  async releaseClaim(executionId: string, workerId: string): Promise<boolean> {
    const released = await this.run('releaseClaim', executionId, SCRIPTS.releaseClaim, [
      executionId,
      workerId,
    ]);
    return released === 1;
  }

  async findClaimable(query: ClaimableQuery = {}): Promise<Execution[]> {
    const limit = resolveLimit(query.limit, DEFAULT_CLAIMABLE_LIMIT, 'findClaimable');
    return this.executions(
      await this.run('findClaimable', undefined, SCRIPTS.findClaimable, [limit]),
    );
  }

  async takeSlot(request: SlotRequest): Promise<boolean> {
    resolveTtl(request.ttlMs, 'takeSlot');
    const group = createHash('sha1').update(`${request.workflowId}\n${request.key}`).digest('hex');
    const taken = await this.run('takeSlot', request.executionId, SCRIPTS.takeSlot, [
      request.executionId,
      group,
      request.limit,
      request.queuedAt.getTime(),
      request.holder,
      request.ttlMs,
      this.ttlSeconds * 1000,
    ]);
    return taken === 1;
  }

  async extendSlot(executionId: string, holder: string, ttlMs: number): Promise<boolean> {
    resolveTtl(ttlMs, 'extendSlot');
    const extended = await this.run('extendSlot', executionId, SCRIPTS.extendSlot, [
      executionId,
      holder,
      ttlMs,
      this.ttlSeconds * 1000,
    ]);
    return extended === 1;
  }

  async releaseSlot(executionId: string, handOnTtlMs?: number): Promise<string[]> {
    if (handOnTtlMs !== undefined) resolveTtl(handOnTtlMs, 'releaseSlot');
    return (await this.run('releaseSlot', executionId, SCRIPTS.releaseSlot, [
      executionId,
      handOnTtlMs ?? 0,
      this.ttlSeconds * 1000,
    ])) as string[];
  }

  async findLapsedSlots(query: LapsedSlotsQuery = {}): Promise<string[]> {
    const limit = resolveLimit(query.limit, DEFAULT_LAPSED_SLOTS_LIMIT, 'findLapsedSlots');
    return (await this.run('findLapsedSlots', undefined, SCRIPTS.findLapsedSlots, [
      limit,
      this.ttlSeconds * 1000,
    ])) as string[];
  }

  async findDueTimers(query: DueTimersQuery): Promise<Execution[]> {
    const dueBefore = resolveDueBefore(query?.dueBefore);
    const limit = resolveLimit(query.limit, DEFAULT_DUE_TIMERS_LIMIT, 'findDueTimers');
    return this.executions(
      await this.run('findDueTimers', undefined, SCRIPTS.findDueTimers, [
        dueBefore.getTime(),
        limit,
      ]),
    );
  }

  async deleteFinished(query: DeleteFinishedQuery): Promise<number> {
    const createdBefore = resolveCreatedBefore(query?.createdBefore);
    const limit = resolveLimit(query.limit, DEFAULT_DELETE_FINISHED_LIMIT, 'deleteFinished');
    const deleted = await this.run('deleteFinished', undefined, SCRIPTS.deleteFinished, [
      createdBefore.getTime(),
      limit,
      ...FINISHED_STATUSES,
    ]);
    return Number(deleted);
  }

  async countExecutions(): Promise<ExecutionCount[]> {
    await this.learnWorkflows();
    const flat = (await this.run('countExecutions', undefined, SCRIPTS.countExecutions, [
      ...EXECUTION_STATUSES,
    ])) as (string | number)[];
    const counts: ExecutionCount[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      counts.push({
        workflowId: String(flat[i]),
        status: flat[i + 1] as ExecutionStatus,
        count: Number(flat[i + 2]),
      });
    }
    return counts.sort(compareCounts);
  }

  async acceptEvent(event: StoredEvent): Promise<{ event: StoredEvent; created: boolean }> {
    const payload = encodeEvent(event);
    const reply = (await this.run('acceptEvent', undefined, SCRIPTS.acceptEvent, [
      event.id,
      event.name,
      nameDigest(event.name),
      payload,
      event.sentAt.getTime(),
    ])) as [number, string?, string?, string?];
    if (reply[0] === 1) return { event, created: true };
    return {
      event: {
        id: event.id,
        name: String(reply[1]),
        payload: parseStoredJson(reply[2] ?? null, `event "${event.id}": payload`),
        sentAt: new Date(Number(reply[3])),
      },
      created: false,
    };
  }

  async markEventDelivered(eventId: string): Promise<void> {
    const id = requireEventId(eventId, 'markEventDelivered');
    const key = `${this.prefix}:events-undelivered`;
    await this.command('markEventDelivered', undefined, () => this.client.zrem(key, id));
  }

  async undeliveredEvents(query: UndeliveredEventsQuery): Promise<StoredEvent[]> {
    const sentBefore = resolveMoment(query?.sentBefore, 'undeliveredEvents', 'sentBefore');
    const limit = resolveLimit(query.limit, DEFAULT_UNDELIVERED_EVENTS_LIMIT, 'undeliveredEvents');
    const flat = (await this.run('undeliveredEvents', undefined, SCRIPTS.undeliveredEvents, [
      sentBefore.getTime(),
      limit,
    ])) as string[];
    const events: StoredEvent[] = [];
    for (let i = 0; i < flat.length; i += 4) {
      events.push({
        id: flat[i],
        name: flat[i + 1],
        payload: parseStoredJson(flat[i + 2], `event "${flat[i]}": payload`),
        sentAt: new Date(Number(flat[i + 3])),
      });
    }
    return events;
  }

  async eventWaitShapes(name: string): Promise<string[][]> {
    const key = this.key('event-shapes', nameDigest(name));
    const members = await this.command('eventWaitShapes', undefined, () =>
      this.client.smembers(key),
    );
    return members.map((fields) => parseStoredJson(fields, `${key}`) as string[]);
  }

  async eventWaiters(keys: readonly string[]): Promise<string[]> {
    requireEventKeys(keys);
    if (keys.length === 0) return [];
    return (await this.run('eventWaiters', undefined, SCRIPTS.eventWaiters, [...keys])) as string[];
  }

  async retainedEvents(
    name: string,
    since: Date,
    limit = DEFAULT_RETAINED_EVENTS_LIMIT,
  ): Promise<StoredEvent[]> {
    const max = resolveLimit(limit, DEFAULT_RETAINED_EVENTS_LIMIT, 'retainedEvents');
    const from = resolveMoment(since, 'retainedEvents', 'since');
    const flat = (await this.run('retainedEvents', undefined, SCRIPTS.retainedEvents, [
      nameDigest(name),
      from.getTime(),
      max,
    ])) as string[];
    const events: StoredEvent[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      events.push({
        id: flat[i],
        name,
        payload: parseStoredJson(flat[i + 1], `event "${flat[i]}": payload`),
        sentAt: new Date(Number(flat[i + 2])),
      });
    }
    return events;
  }

  async pruneEvents(query: PruneEventsQuery): Promise<number> {
    const sentBefore = resolveMoment(query?.sentBefore, 'pruneEvents', 'sentBefore');
    const limit = resolveLimit(query.limit, DEFAULT_PRUNE_EVENTS_LIMIT, 'pruneEvents');
    return Number(
      await this.run('pruneEvents', undefined, SCRIPTS.pruneEvents, [sentBefore.getTime(), limit]),
    );
  }

  /**
   * Executions written before the store kept its set of workflows are walked once, a batch per call
   * so that Redis is never held for long; after that this is one GET.
   */
  private async learnWorkflows(): Promise<void> {
    if (this.workflowsLearnt) return;
    let done = false;
    while (!done) {
      const answer = await this.run('countExecutions', undefined, SCRIPTS.learnWorkflows, [
        LEARN_BATCH,
      ]);
      done = answer === 1;
    }
    this.workflowsLearnt = true;
  }

  describe(): string {
    if (isClusterClient(this.client)) return `Redis Cluster, key prefix "${this.prefix}"`;
    const { host, port, db } = (this.client as Redis).options;
    return `Redis ${host}:${port} db ${db ?? 0}, key prefix "${this.prefix}"`;
  }

  /**
   * Closes the connection if the store opened it; an application's client is left alone. The Nest
   * module calls it last at shutdown, once runs in flight have checkpointed.
   */
  close(): Promise<void> {
    this.closing ??= this.ownsClient ? this.client.quit().then(() => undefined) : Promise.resolve();
    return this.closing;
  }

  private executions(flat: unknown): Execution[] {
    const items = flat as unknown[];
    const starts = Array.from({ length: items.length / 4 }, (_, n) => n * 4);
    return this.readable.decodeAll(starts, (i) =>
      parseExecution(
        this.key('exec', items[i] as string),
        items[i + 1] as string,
        items[i + 2] as string,
        items[i + 3] as RedisParts,
      ),
    );
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }

  private run(
    method: string,
    executionId: string | undefined,
    script: LuaScript,
    args: (string | number)[],
  ): Promise<unknown> {
    return this.runWith(method, executionId, script, [this.prefix, ...args]);
  }

  /** `run`, for arguments that already begin with the prefix. */
  private runWith(
    method: string,
    executionId: string | undefined,
    script: LuaScript,
    args: (string | number)[],
  ): Promise<unknown> {
    return script
      .run(this.client, `${this.prefix}:all`, args)
      .catch((error: unknown) => Promise.reject(failure(method, executionId, error)));
  }

  private async command<T>(
    method: string,
    executionId: string | undefined,
    operation: () => Promise<T>,
  ): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw failure(method, executionId, error);
    }
  }
}

/** A command's failure, saying which method and execution it was for. */
function failure(method: string, executionId: string | undefined, error: unknown): StoreError {
  const subject = executionId === undefined ? '' : ` for execution "${executionId}"`;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError(`Redis store: ${method}${subject} failed: ${reason}`, { cause: error });
}

/** An event name as a key part: fixed length, whatever characters the name has. */
function nameDigest(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

/** Pushes the checkpoint script's arguments after the entries, for a checkpoint in parts. */
function pushPartsArgs(args: (string | number)[], parts: EncodedParts): void {
  args.push(parts.variables.length);
  for (const [name, json] of parts.variables) args.push(name, json);
  args.push(parts.removedVariables.length);
  for (const name of parts.removedVariables) args.push(name);
  args.push(parts.loopTrims.length);
  for (const trim of parts.loopTrims) args.push(trim.loop, trim.keepFrom, trim.keepBelow);
  args.push(parts.loopValues.length);
  for (const stored of parts.loopValues) args.push(stored.loop, stored.index, stored.value);
}

/** The checkpoint script's arguments for a change to the index of event waits. */
function waitArgs(wait: EventWaitIndex | null | undefined): string[] {
  if (wait === undefined) return ['', '', '', ''];
  if (wait === null) return ['clear', '', '', ''];
  requireEventKeys([wait.key]);
  return ['set', wait.key, nameDigest(wait.name), JSON.stringify(wait.fields)];
}
