/**
 * The process the tour kills: boots the demo on the tour's SQLite file, starts an order whose packing
 * is slow, prints the execution id, and keeps running until it is killed.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { WorkflowService } from '../src';
import { DemoAppModule } from './app.module';
import { demoConfig } from './demo-config';

async function main(): Promise<void> {
  const config = demoConfig({ SQLITE_FILE: process.argv[2], PORT: '0' });
  const app = await NestFactory.createApplicationContext(
    DemoAppModule.register(config, { http: false }),
    { logger: false },
  );
  const started = await app.get(WorkflowService).start('order_fulfilment', {
    order: 'A-1003',
    items: [
      { sku: 'BOOK', fragile: false },
      { sku: 'PEN', fragile: false },
    ],
    total: 30,
  });
  process.stdout.write(`${started.id}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
