import type { INestApplication, LoggerService, Provider } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  DurableWorkflowModule,
  type DurableWorkflowModuleOptions,
  type StoreOption,
  type WorkflowHttpOptions,
} from '../../src';
import { appTypeorm } from './typeorm-app';

/** The API answers alike on both of Nest's HTTP platforms: the HTTP suites run on each. */
export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** An application with the module's HTTP API on a SQLite file, listening on a free loopback port. */
export async function bootHttpApp(options: {
  platform: Platform;
  sqliteFile: string;
  workflows: DurableWorkflowModuleOptions['workflows'];
  http: WorkflowHttpOptions;
  providers?: Provider[];
  store?: StoreOption;
  logger?: LoggerService;
}): Promise<{ app: INestApplication; url: string }> {
  const ref = await Test.createTestingModule({
    imports: [
      appTypeorm({ sqliteFile: options.sqliteFile }),
      DurableWorkflowModule.forRoot({
        store: options.store ?? { type: 'typeorm' },
        workflows: options.workflows,
        http: options.http,
      }),
    ],
    providers: options.providers ?? [],
  }).compile();
  const logger = options.logger ?? false;
  const app =
    options.platform === 'fastify'
      ? ref.createNestApplication(new FastifyAdapter(), { logger })
      : ref.createNestApplication({ logger });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
