import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { WorkflowSource } from '../core/definition/load-workflow';
import type { ResilientStoreOptions } from '../storage/resilient/resilient-store';
import type { WorkflowStore } from '../core/store/workflow-store';
import { definedOnly } from './defined-only';
import {
  resolveEventsOptions,
  type ResolvedEventsOptions,
  type WorkflowEventsOptions,
} from './events/events.options';
import type { WorkflowHttpOptions } from './http/http.options';
import {
  resolveQueueOptions,
  type ResolvedQueueOptions,
  type WorkflowQueueOptions,
} from './queue/queue.options';

export interface TypeormStoreOption {
  type: 'typeorm';
  /** The name of the application's TypeORM DataSource. @defaultValue the default DataSource */
  dataSource?: string;
}

export interface RedisStoreOption {
  type: 'redis';
  /** @defaultValue 'redis://127.0.0.1:6379' when no client is given */
  url?: string;
  /**
   * A client the application owns; never closed by the module. A `Cluster` client needs a prefix
   * with a hash tag, such as `{durable_workflow}`.
   */
  client?: Redis | Cluster;
  /** @defaultValue 604800 (7 days); 0 keeps executions until deleted */
  ttlSeconds?: number;
  /** @defaultValue 'durable_workflow' */
  prefix?: string;
  /**
   * How long start-up waits for the server of the connection the module opens from `url`; past it
   * the application fails to start with `StoreUnreachableError` naming the url to check. Not used
   * with a `client`. @defaultValue 15000
   */
  connectTimeoutMs?: number;
}

/** An application's own store, given as a Nest provider would be. */
export type CustomStoreOption =
  | { useClass: Type<WorkflowStore> }
  | {
      useFactory: (...args: never[]) => WorkflowStore | Promise<WorkflowStore>;
      inject?: (InjectionToken | OptionalFactoryDependency)[];
    }
  | { useExisting: string | symbol | Type<WorkflowStore> };

export type StoreOption = TypeormStoreOption | RedisStoreOption | CustomStoreOption;

/** What may also come from a factory in `forRootAsync`. */
export interface DurableWorkflowRuntimeOptions {
  /** Workflows: objects, YAML text or YAML file paths. @defaultValue [] */
  workflows?: WorkflowSource[];
  /** Retries and circuit breaker around the store; false to use the store as it is. @defaultValue {} */
  resilience?: ResilientStoreOptions | false;
  /** How long shutdown waits for executions in flight to reach a checkpoint. @defaultValue 10000 */
  shutdownGraceMs?: number;
  /** BullMQ queues and workers; leave out to run everything inside this process. @defaultValue none */
  queue?: WorkflowQueueOptions;
  /** How long sent events are kept for lookback and repeated ids. @defaultValue \{ retentionSeconds: 86400 \} */
  events?: WorkflowEventsOptions;
}

export interface DurableWorkflowModuleOptions extends DurableWorkflowRuntimeOptions {
  store: StoreOption;
  /** The HTTP API and dashboard, mounted under `http.path`. @defaultValue none */
  http?: WorkflowHttpOptions;
}

export interface DurableWorkflowModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Known when the module is declared, so the right providers can be registered. */
  store: StoreOption;
  /** Routes too are declared with the module. @defaultValue none */
  http?: WorkflowHttpOptions;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (
    ...args: never[]
  ) => DurableWorkflowRuntimeOptions | Promise<DurableWorkflowRuntimeOptions>;
}

/** The options with every default applied, as providers receive them under MODULE_OPTIONS. */
export interface ResolvedModuleOptions {
  workflows: WorkflowSource[];
  resilience: ResilientStoreOptions | false;
  shutdownGraceMs: number;
  queue: ResolvedQueueOptions | null;
  events: ResolvedEventsOptions;
}

export function resolveModuleOptions(
  options: DurableWorkflowRuntimeOptions,
): ResolvedModuleOptions {
  const { queue, events, ...rest } = definedOnly(options);
  return {
    workflows: [],
    resilience: {},
    shutdownGraceMs: 10_000,
    ...rest,
    queue: queue ? resolveQueueOptions(queue) : null,
    events: resolveEventsOptions(events),
  };
}
