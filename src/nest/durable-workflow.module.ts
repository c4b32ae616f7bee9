import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { peers } from '../peers/peers';
import { WorkflowEntryEntity } from '../storage/typeorm/workflow-entry.entity';
import { WorkflowSlotEntity } from '../storage/typeorm/workflow-slot.entity';
import { WorkflowExecutionEntity } from '../storage/typeorm/workflow-execution.entity';
import { WORKFLOW_EVENT_ENTITIES } from '../storage/typeorm/event-entities';
import { WORKFLOW_PART_ENTITIES } from '../storage/typeorm/part-entities';
import { MODULE_OPTIONS, STORE, WORKFLOW_QUEUE } from './durable-workflow.constants';
import { resolveHttpOptions, type WorkflowHttpOptions } from './http/http.options';
import { loadHttpLayer } from './http/load-http-layer';
import {
  resolveModuleOptions,
  type DurableWorkflowModuleAsyncOptions,
  type DurableWorkflowModuleOptions,
  type StoreOption,
} from './durable-workflow.options';
import { injectableQueueAliases, workflowQueueProvider } from './queue/workflow-queue.provider';
import { OwnedResources } from './owned-resources';
import { rawStoreProvider, storeProvider } from './store.providers';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';
import { WorkflowStepTypeExplorer } from './workflow-step-type.explorer';
import { WorkflowLifecycle } from './workflow-lifecycle';
import { workflowRuntimeProviders } from './workflow-runtime.providers';
import { WorkflowService } from './workflow.service';
import { WorkflowHealthIndicator } from './health/workflow-health.indicator';

@Module({})
export class DurableWorkflowModule {
  static forRoot(options: DurableWorkflowModuleOptions): DynamicModule {
    const { store, http, ...runtime } = options;
    return this.build(store, http, [], {
      provide: MODULE_OPTIONS,
      useValue: resolveModuleOptions(runtime),
    });
  }

  /** The store is known when the module is declared; the rest may come from a factory. */
  static forRootAsync(options: DurableWorkflowModuleAsyncOptions): DynamicModule {
    return this.build(options.store, options.http, options.imports ?? [], {
      provide: MODULE_OPTIONS,
      useFactory: async (...args: never[]) =>
        resolveModuleOptions(await options.useFactory(...args)),
      inject: options.inject ?? [],
    });
  }

  private static build(
    store: StoreOption,
    httpOption: WorkflowHttpOptions | undefined,
    imports: NonNullable<DurableWorkflowModuleAsyncOptions['imports']>,
    optionsProvider: Provider,
  ): DynamicModule {
    const typeorm =
      'type' in store && store.type === 'typeorm'
        ? [
            peers
              .nestTypeorm()
              .TypeOrmModule.forFeature(
                [
                  WorkflowExecutionEntity,
                  WorkflowEntryEntity,
                  WorkflowSlotEntity,
                  ...WORKFLOW_EVENT_ENTITIES,
                  ...WORKFLOW_PART_ENTITIES,
                ],
                store.dataSource,
              ),
          ]
        : [];
    const http = httpOption ? resolveHttpOptions(httpOption) : null;
    const httpLayer = http ? loadHttpLayer(http) : { controllers: [], providers: [] };
    const queueAliases = injectableQueueAliases();
    return {
      module: DurableWorkflowModule,
      controllers: httpLayer.controllers,
      global: true,
      imports: [DiscoveryModule, ...typeorm, ...imports, ...(http?.imports ?? [])],
      providers: [
        optionsProvider,
        OwnedResources,
        rawStoreProvider(store),
        storeProvider,
        workflowQueueProvider,
        ...queueAliases,
        WorkflowCallableExplorer,
        WorkflowStepTypeExplorer,
        ...workflowRuntimeProviders,
        WorkflowLifecycle,
        WorkflowService,
        ...httpLayer.providers,
        WorkflowHealthIndicator,
      ],
      exports: [STORE, WORKFLOW_QUEUE, ...queueAliases, WorkflowService, WorkflowHealthIndicator],
    };
  }
}
