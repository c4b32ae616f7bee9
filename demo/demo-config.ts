import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** What the demo reads from its environment, with the defaults that need nothing installed. */
export interface DemoConfig {
  /** Postgres when DATABASE_URL is set; otherwise a SQLite file. */
  databaseUrl: string | null;
  sqliteFile: string;
  /** BullMQ queue mode when REDIS_URL is set; otherwise everything runs in the process. */
  redisUrl: string | null;
  /** WORKER=false: a web process that only enqueues (queue mode). */
  worker: boolean;
  /** Apply the migrations at start (always for SQLite; MIGRATIONS_RUN=true for Postgres). */
  migrationsRun: boolean;
  port: number;
  /** The interface the web process listens on: this machine only, unless HOST says otherwise. */
  host: string;
  /** How long start-up waits for Redis (CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function demoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const databaseUrl = env.DATABASE_URL || null;
  const sqliteFile = resolve(env.SQLITE_FILE ?? join(__dirname, '..', 'data', 'demo.sqlite'));
  if (!databaseUrl) mkdirSync(dirname(sqliteFile), { recursive: true });
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}".`);
  if (env.WORKER !== undefined && env.WORKER !== 'true' && env.WORKER !== 'false')
    throw new Error(`WORKER must be "true" or "false", got "${env.WORKER}".`);
  if (env.WORKER === 'false' && !env.REDIS_URL)
    throw new Error(
      'WORKER=false makes a web process that leaves the work to worker processes, through BullMQ: set REDIS_URL too.',
    );
  const connectTimeoutMs = Number(env.CONNECT_TIMEOUT_MS ?? 15_000);
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1)
    throw new Error(
      `CONNECT_TIMEOUT_MS must be a whole number of milliseconds, got "${env.CONNECT_TIMEOUT_MS}".`,
    );
  const host = env.HOST || '127.0.0.1';
  if (!LOOPBACK.has(host) && (env.DEMO_API_KEY ?? 'demo') === 'demo')
    throw new Error(
      `HOST=${host} lets other machines reach the demo, whose key is the well-known "demo": set DEMO_API_KEY to a secret of your own.`,
    );
  return {
    databaseUrl,
    sqliteFile,
    redisUrl: env.REDIS_URL || null,
    worker: env.WORKER !== 'false',
    migrationsRun: !databaseUrl || env.MIGRATIONS_RUN === 'true',
    port,
    host,
    connectTimeoutMs,
  };
}

export function describeSetup(config: DemoConfig): string {
  const store = config.databaseUrl ? 'Postgres (DATABASE_URL)' : `SQLite ${config.sqliteFile}`;
  const runner = config.redisUrl
    ? `BullMQ queue (REDIS_URL)${config.worker ? ' with workers in this process' : ', no workers here (WORKER=false)'}`
    : 'in-process runner';
  return `${store}, ${runner}`;
}
