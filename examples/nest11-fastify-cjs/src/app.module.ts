import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DurableWorkflowModule, WORKFLOW_MIGRATIONS } from 'nestjs-durable-workflow';
import { join } from 'node:path';
import { ApiKeyGuard } from './api-key.guard';
import { HealthController } from './health.controller';
import { PaymentsGateway } from './payments.gateway';
import { RefundsController } from './refunds.controller';
import { RefundsService } from './refunds.service';

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      schema: process.env.DATABASE_SCHEMA ?? 'public',
      autoLoadEntities: true,
      migrations: WORKFLOW_MIGRATIONS,
      migrationsTableName: 'workflow_migrations',
      migrationsRun: true,
    }),
    DurableWorkflowModule.forRoot({
      store: { type: 'typeorm' },
      workflows: [join(__dirname, '..', 'workflows', 'refund.yml')],
      http: { path: 'workflows', guards: [ApiKeyGuard] },
    }),
  ],
  controllers: [RefundsController, HealthController],
  providers: [PaymentsGateway, RefundsService],
})
export class AppModule {}
