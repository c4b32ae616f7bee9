import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowEntryEntity } from '../storage/typeorm/workflow-entry.entity';
import { WorkflowExecutionEntity } from '../storage/typeorm/workflow-execution.entity';
import { HTTP_OPTIONS, MODULE_OPTIONS, STORE } from './durable-workflow.constants';
import { createDashboardController } from './http/dashboard/dashboard.controller';
import { HttpGuardNotice } from './http/http-guard-notice';
import { resolveHttpOptions, type WorkflowHttpOptions } from './http/http.options';
import { createWorkflowsController } from './http/workflows.controller';
import {
  resolveModuleOptions,
  type DurableWorkflowModuleAsyncOptions,
  type DurableWorkflowModuleOptions,
  type StoreOption,
} from './durable-workflow.options';
import { workflowQueueProvider } from './queue/workflow-queue.provider';
import { rawStoreProvider, storeProvider } from './store.providers';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';
import { WorkflowService } from './workflow.service';

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
            TypeOrmModule.forFeature(
              [WorkflowExecutionEntity, WorkflowEntryEntity],
              store.dataSource,
            ),
          ]
        : [];
    const http = httpOption ? resolveHttpOptions(httpOption) : null;
    const controllers = http
      ? [
          createWorkflowsController(http),
          ...(http.dashboard ? [createDashboardController(http)] : []),
        ]
      : [];
    const httpProviders = http ? [{ provide: HTTP_OPTIONS, useValue: http }, HttpGuardNotice] : [];
    return {
      module: DurableWorkflowModule,
      controllers,
      global: true,
      imports: [DiscoveryModule, ...typeorm, ...imports, ...(http?.imports ?? [])],
      providers: [
        optionsProvider,
        rawStoreProvider(store),
        storeProvider,
        workflowQueueProvider,
        WorkflowCallableExplorer,
        WorkflowService,
        ...httpProviders,
      ],
      exports: [STORE, workflowQueueProvider.provide, WorkflowService],
    };
  }
}
