import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowEntryEntity } from '../storage/typeorm/workflow-entry.entity';
import { WorkflowExecutionEntity } from '../storage/typeorm/workflow-execution.entity';
import { MODULE_OPTIONS, STORE } from './durable-workflow.constants';
import {
  DurableWorkflowDefaults,
  type DurableWorkflowModuleAsyncOptions,
  type DurableWorkflowModuleOptions,
  type DurableWorkflowRuntimeOptions,
  type StoreOption,
} from './durable-workflow.options';
import { rawStoreProvider, storeProvider } from './store.providers';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';
import { WorkflowService } from './workflow.service';

@Module({})
export class DurableWorkflowModule {
  static forRoot(options: DurableWorkflowModuleOptions): DynamicModule {
    const { store, ...runtime } = options;
    return this.build(store, [], { provide: MODULE_OPTIONS, useValue: withDefaults(runtime) });
  }

  /** The store is known when the module is declared; the rest may come from a factory. */
  static forRootAsync(options: DurableWorkflowModuleAsyncOptions): DynamicModule {
    return this.build(options.store, options.imports ?? [], {
      provide: MODULE_OPTIONS,
      useFactory: async (...args: never[]) => withDefaults(await options.useFactory(...args)),
      inject: options.inject ?? [],
    });
  }

  private static build(
    store: StoreOption,
    imports: NonNullable<DurableWorkflowModuleAsyncOptions['imports']>,
    optionsProvider: Provider,
  ): DynamicModule {
    const typeorm =
      'type' in store && store.type === 'typeorm'
        ? [
            TypeOrmModule.forFeature(
              [WorkflowExecutionEntity, WorkflowEntryEntity],
              store.dataSource,
            ),
          ]
        : [];
    return {
      module: DurableWorkflowModule,
      global: true,
      imports: [DiscoveryModule, ...typeorm, ...imports],
      providers: [
        optionsProvider,
        rawStoreProvider(store),
        storeProvider,
        WorkflowCallableExplorer,
        WorkflowService,
      ],
      exports: [STORE, WorkflowService],
    };
  }
}

function withDefaults(
  options: DurableWorkflowRuntimeOptions,
): Required<DurableWorkflowRuntimeOptions> {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
  return { ...new DurableWorkflowDefaults(), ...defined };
}
