import type { ConnectionOptions, KeepJobs } from 'bullmq';
import { WorkflowValidationError } from '../../core/errors';
import { peers } from '../../peers/peers';
import { hashTagOf, isClusterClient } from '../../storage/redis/hash-tag';
import { definedOnly } from '../defined-only';

/** BullMQ mode: `start`, `resume`, timers and retry back-offs become jobs any worker process may take. */
export interface WorkflowQueueOptions {
  /** BullMQ's connection: ioredis options or a client the application owns (never closed here). */
  connection: ConnectionOptions;
  /** BullMQ's key prefix. @defaultValue 'bull' */
  prefix?: string;
  /** false: this process only enqueues (a web tier); other processes run the workers. @defaultValue true */
  worker?: boolean;
  /** Jobs one worker process runs at once. @defaultValue 10 */
  concurrency?: number;
  /**
   * How long a worker's claim on an execution lasts without renewal. A worker renews it every third
   * of this while a step runs; after a crash another worker takes over once it expired.
   * @defaultValue 30000
   */
  leaseMs?: number;
  /** How often each worker process looks for executions whose worker died. @defaultValue 10000 */
  sweepIntervalMs?: number;
  /**
   * Takeovers of one step (its worker died before a checkpoint) before the execution is failed with
   * `RecoveryLimitError` instead of being tried again. @defaultValue 3
   */
  maxRecoveries?: number;
  /**
   * Retry back-offs of `call` steps at least this long are waited out as delayed jobs, the lease
   * released; shorter ones wait in the worker. @defaultValue 1000
   */
  deferRetriesFromMs?: number;
  /** Attempts of a job whose run fails for a reason other than the workflow (the store is down). @defaultValue 5 */
  attempts?: number;
  /**
   * How long start-up waits for the queue's Redis; past it the application fails to start with
   * `QueueUnavailableError` naming the connection to check. @defaultValue 15000
   */
  connectTimeoutMs?: number;
  /** @defaultValue { age: 86400, count: 10000 } */
  removeOnComplete?: KeepJobs | boolean;
  /** @defaultValue { age: 604800 } */
  removeOnFail?: KeepJobs | boolean;
}

export type ResolvedQueueOptions = Required<WorkflowQueueOptions>;

/** The BullMQ queue's name; `@InjectQueue(WORKFLOW_QUEUE_NAME)` gives the queue itself. */
export const WORKFLOW_QUEUE_NAME = 'durable-workflow';

export function resolveQueueOptions(options: WorkflowQueueOptions): ResolvedQueueOptions {
  peers.bullmq();
  const resolved: ResolvedQueueOptions = {
    prefix: 'bull',
    worker: true,
    concurrency: 10,
    leaseMs: 30_000,
    sweepIntervalMs: 10_000,
    maxRecoveries: 3,
    deferRetriesFromMs: 1000,
    attempts: 5,
    connectTimeoutMs: 15_000,
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 604_800 },
    ...definedOnly(options),
    connection: options.connection,
  };
  const problems: string[] = [];
  if (!options.connection)
    problems.push(
      'queue.connection is required: ioredis options or a client, as BullMQ takes them',
    );
  for (const key of ['concurrency', 'sweepIntervalMs', 'attempts', 'connectTimeoutMs'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1)
      problems.push(`queue.${key} must be a whole number of at least 1, got ${resolved[key]}`);
  }
  for (const key of ['maxRecoveries', 'deferRetriesFromMs'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 0)
      problems.push(`queue.${key} must be a whole number of at least 0, got ${resolved[key]}`);
  }
  if (isClusterClient(options.connection) && hashTagOf(resolved.prefix) === null)
    problems.push(
      `queue.prefix must contain a hash tag on Redis Cluster, such as "{${resolved.prefix}}", so that each BullMQ queue's keys share a slot; got "${resolved.prefix}"`,
    );
  if (!Number.isInteger(resolved.leaseMs) || resolved.leaseMs < 1000)
    problems.push(
      `queue.leaseMs must be at least 1000 ms, got ${resolved.leaseMs} (a whole number of milliseconds)`,
    );
  if (problems.length > 0)
    throw new WorkflowValidationError('The queue option of DurableWorkflowModule', problems);
  return resolved;
}
