import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DurableWorkflowModule, WORKFLOW_MIGRATIONS } from 'nestjs-durable-workflow';
import { fileURLToPath } from 'node:url';
import { ApiKeyGuard } from './api-key.guard.js';
import { HealthController } from './health.controller.js';
import { PaymentsGateway } from './payments.gateway.js';
import { RefundsController } from './refunds.controller.js';
import { RefundsService } from './refunds.service.js';

const REFUND_WORKFLOW = fileURLToPath(new URL('../workflows/refund.yml', import.meta.url));

/**
 * One module for both processes. The web process serves the API, enqueues and applies the
 * migrations; the worker process (`worker.ts`) runs the steps, so the `call` steps' service and its
 * dependency are declared in both.
 */
@Module({})
export class AppModule {
  static forRole(role: 'web' | 'worker'): DynamicModule {
    const web = role === 'web';
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
          schema: process.env.DATABASE_SCHEMA ?? 'public',
          autoLoadEntities: true,
          migrations: WORKFLOW_MIGRATIONS,
          migrationsTableName: 'workflow_migrations',
          migrationsRun: web,
        }),
        DurableWorkflowModule.forRoot({
          store: { type: 'typeorm' },
          workflows: [REFUND_WORKFLOW],
          queue: {
            connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
            prefix: process.env.QUEUE_PREFIX ?? 'bull',
            worker: !web,
          },
          http: web ? { path: 'workflows', guards: [ApiKeyGuard] } : undefined,
        }),
      ],
      controllers: web ? [RefundsController, HealthController] : [],
      providers: [PaymentsGateway, RefundsService],
    };
  }
}
