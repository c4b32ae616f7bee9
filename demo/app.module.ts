import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { DurableWorkflowModule, WORKFLOW_MIGRATIONS } from '../src';
import { TerminusModule } from '@nestjs/terminus';
import { ApiKeyGuard } from './api-key.guard';
import { HealthController } from './health.controller';
import { SignInController } from './signin.controller';
import type { DemoConfig } from './demo-config';
import { DemoServicesModule } from './services/demo-services.module';

export const DEMO_WORKFLOWS = [
  'expense-approval.yml',
  'welcome-kit.yml',
  'customer-onboarding.yml',
  'order-fulfilment.yml',
].map((file) => join(__dirname, 'workflows', file));

/** The demo application: its services, its store and, for a web process, the API and dashboard. */
@Module({})
export class DemoAppModule {
  static register(config: DemoConfig, { http }: { http: boolean }): DynamicModule {
    return {
      module: DemoAppModule,
      controllers: http ? [SignInController, HealthController] : [],
      imports: [
        DemoServicesModule,
        ...(http ? [TerminusModule.forRoot({ logger: false })] : []),
        TypeOrmModule.forRoot({
          ...(config.databaseUrl
            ? {
                type: 'postgres' as const,
                url: config.databaseUrl,
                // Each connection attempt gives up in time, like the queue's connectTimeoutMs.
                extra: { connectionTimeoutMillis: Math.ceil(config.connectTimeoutMs / 3) },
              }
            : { type: 'better-sqlite3' as const, database: config.sqliteFile, enableWAL: true }),
          autoLoadEntities: true,
          // Two more tries, then the start fails with one line naming DATABASE_URL (main.ts).
          retryAttempts: 2,
          retryDelay: 1000,
          migrations: WORKFLOW_MIGRATIONS,
          migrationsTableName: 'workflow_migrations',
          migrationsRun: config.migrationsRun,
        }),
        DurableWorkflowModule.forRoot({
          store: { type: 'typeorm' },
          workflows: DEMO_WORKFLOWS,
          queue: config.redisUrl
            ? {
                connection: { url: config.redisUrl },
                worker: config.worker,
                connectTimeoutMs: config.connectTimeoutMs,
              }
            : undefined,
          http: http ? { path: 'workflows', guards: [ApiKeyGuard] } : undefined,
        }),
      ],
    };
  }
}
