import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { peers } from '../peers/peers';
import { WorkflowValidationError } from '../core/errors';
import { RedisWorkflowStore } from '../storage/redis/redis-workflow-store';
import { ResilientStore } from '../storage/resilient/resilient-store';
import { TypeormWorkflowStore } from '../storage/typeorm/typeorm-workflow-store';
import { isDurableStore } from '../core/store/store-capabilities';
import type { WorkflowStore } from '../core/store/workflow-store';
import { MODULE_OPTIONS, RAW_STORE, STORE } from './durable-workflow.constants';
import type { ResolvedModuleOptions, StoreOption } from './durable-workflow.options';
import { nestStoreLog } from './nest-store-log';
import { OwnedResources } from './owned-resources';

/** The provider of the configured store, under RAW_STORE. */
export function rawStoreProvider(option: StoreOption): Provider {
  if ('type' in option && option.type === 'typeorm') {
    return {
      provide: RAW_STORE,
      useFactory: (dataSource: DataSource) =>
        new TypeormWorkflowStore(dataSource, { log: nestStoreLog('TypeormWorkflowStore') }),
      inject: [peers.nestTypeorm().getDataSourceToken(option.dataSource)],
    };
  }
  if ('type' in option && option.type === 'redis') {
    const { type: _type, connectTimeoutMs = 15_000, ...redis } = option;
    // Without a client the store opens its own connection: say now, not at start, what that needs.
    if (!redis.client) peers.ioredis();
    if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1)
      throw new WorkflowValidationError('The store option of DurableWorkflowModule', [
        `store.connectTimeoutMs must be a whole number of at least 1, got ${connectTimeoutMs}`,
      ]);
    return {
      provide: RAW_STORE,
      // The module opened it, so the module closes it, last at shutdown; it checks at start
      // whether the server keeps what is written, and logs how it could lose executions.
      useFactory: async (owned: OwnedResources) => {
        const log = nestStoreLog('RedisWorkflowStore');
        const store = owned.own(new RedisWorkflowStore({ log, ...redis }));
        if (!redis.client)
          await store.requireAnswer(
            connectTimeoutMs,
            'Check store.url (REDIS_URL) and that the server runs; store.connectTimeoutMs sets how long start-up waits.',
          );
        await store.verifyDurability();
        return store;
      },
      inject: [OwnedResources],
    };
  }
  if ('useClass' in option) return { provide: RAW_STORE, useClass: option.useClass };
  if ('useExisting' in option) return { provide: RAW_STORE, useExisting: option.useExisting };
  return {
    provide: RAW_STORE,
    useFactory: option.useFactory,
    inject: (option.inject ?? []) as never[],
  };
}

/** STORE: the configured store behind retries and a circuit breaker, when it has the full interface. */
export const storeProvider: Provider = {
  provide: STORE,
  useFactory: (store: WorkflowStore, options: ResolvedModuleOptions) =>
    options.resilience !== false && isDurableStore(store)
      ? new ResilientStore(store, { log: nestStoreLog('ResilientStore'), ...options.resilience })
      : store,
  inject: [RAW_STORE, MODULE_OPTIONS],
};
