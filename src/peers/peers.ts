import type * as OpenTelemetryApi from '@opentelemetry/api';
import type * as BullMq from 'bullmq';
import type * as IoRedis from 'ioredis';
import type * as NestBullMq from '@nestjs/bullmq';
import type * as NestSwagger from '@nestjs/swagger';
import type * as NestTypeorm from '@nestjs/typeorm';
import type * as TypeOrm from 'typeorm';
import { loadOptionalPeer, loadPeer } from './load-peer';

/** Each optional peer, loaded when the feature that needs it is configured. */
export const peers = {
  bullmq: (): typeof BullMq => loadPeer('The `queue` option', 'bullmq'),
  ioredis: (): typeof IoRedis =>
    loadPeer("A Redis store without a `client` (store: { type: 'redis' })", 'ioredis'),
  nestTypeorm: (): typeof NestTypeorm =>
    loadPeer("The TypeORM store (store: { type: 'typeorm' })", '@nestjs/typeorm', 'typeorm'),
  /** The testing module's in-memory SQLite store. */
  testingStore: (): typeof NestTypeorm =>
    loadPeer(
      'DurableWorkflowTestingModule (an in-memory SQLite store)',
      '@nestjs/typeorm',
      'typeorm',
      'better-sqlite3',
    ),
  typeorm: (): typeof TypeOrm => loadPeer('The workflow tables and migrations', 'typeorm'),
  /** Present only when the application uses @nestjs/bullmq's `@InjectQueue`. */
  nestBullMq: (): typeof NestBullMq | undefined => loadOptionalPeer('@nestjs/bullmq'),
  /** Present only when the application describes its API with OpenAPI. */
  swagger: (): typeof NestSwagger | undefined => loadOptionalPeer('@nestjs/swagger'),
  optionalTypeorm: (): typeof TypeOrm | undefined => loadOptionalPeer('typeorm'),
  /** Present when the application traces with OpenTelemetry; no spans or metrics otherwise. */
  openTelemetry: (): typeof OpenTelemetryApi | undefined => loadOptionalPeer('@opentelemetry/api'),
};
