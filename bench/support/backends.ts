import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  RedisWorkflowStore,
  TypeormWorkflowStore,
  WORKFLOW_MIGRATIONS,
  WORKFLOW_EVENT_ENTITIES,
  WORKFLOW_PART_ENTITIES,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
  WorkflowSlotEntity,
  type DurableWorkflowStore,
  type Entry,
  type Execution,
} from '../../src';
import type { CheckpointOptions } from '../../src/core/store/workflow-store';
import { postgresRawCheckpoint } from './postgres-raw-checkpoint';
import { redisRawCheckpoint } from './redis-raw-checkpoint';
import { sqliteRawCheckpoint } from './sqlite-raw-checkpoint';
import { iso, sqliteTime } from './raw-values';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A store and the fastest honest raw-driver form of the same checkpoint write. */
export interface Backend {
  name: string;
  store: DurableWorkflowStore;
  /** Saves the execution's new state and appends the entry, as the store's checkpoint does. */
  raw(execution: Execution, entry: Entry): Promise<void>;
  /**
   * One checkpoint of a run, by hand, as the store writes it: an execution never saved (no
   * `revision`) is inserted with its entry, a saved one updated from its revision, the entry
   * appended; one transaction. For `rawExecutionLoop`.
   */
  rawCheckpoint(
    execution: Execution,
    entries: readonly Entry[],
    options: CheckpointOptions,
  ): Promise<void>;
  version(): Promise<string>;
  close(): Promise<void>;
  /** Postgres only: the scratch schema and a pool on it, for bulk set-up statements. */
  sql?: { schema: string; query(text: string, values?: unknown[]): Promise<unknown> };
}

const entities = [
  WorkflowExecutionEntity,
  WorkflowEntryEntity,
  WorkflowSlotEntity,
  ...WORKFLOW_EVENT_ENTITIES,
  ...WORKFLOW_PART_ENTITIES,
];

/** The raw baselines write a step's checkpoint with its one entry, as the engine's steps do. */
function onlyEntry(entries: readonly Entry[]): Entry {
  if (entries.length !== 1) {
    throw new Error(
      `the raw baseline writes one entry per checkpoint; this one has ${entries.length}`,
    );
  }
  return entries[0];
}

/**
 * The variables a checkpoint written in parts sets, each as its name and JSON; null for a
 * checkpoint written whole. The raw baselines write variables set, not removed ones or loop results.
 */
function variablesSet(execution: Execution, options: CheckpointOptions): [string, string][] | null {
  const { changes } = options;
  if (!changes || execution.revision === undefined) return null;
  if (changes.removedVariables.length > 0 || changes.loops.length > 0) {
    throw new Error('the raw baseline writes variables set, not removed ones or loop results');
  }
  return changes.setVariables.map((name) => [name, JSON.stringify(execution.ctx[name])]);
}

/** Postgres in a schema of its own, in the database of `url` (the test database by default). */
export async function postgresBackend(url = DATABASE_URL): Promise<Backend> {
  const schema = `dw_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    schema,
    entities,
    migrations: WORKFLOW_MIGRATIONS,
    migrationsTableName: 'workflow_migrations',
    extra: { max: 16 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  const pool = new Pool({ connectionString: url, max: 16 });
  // The same columns the store writes, and the entry, in one statement.
  const sql = `WITH saved AS (
      UPDATE ${schema}.workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4,
        input = $5::jsonb, ctx = $6::jsonb, current_step = $7, result = $8::jsonb, recover_to = $9,
        halt_data = $10::jsonb, error = $11, updated_at = $12::timestamptz AT TIME ZONE 'UTC',
        revision = revision + 1, entry_count = entry_count + 1, runtime = $13::jsonb
      WHERE id = $1 RETURNING id, entry_count)
    INSERT INTO ${schema}.workflow_entries (id, execution_id, seq, step_id, step_type, action,
      duration_ms, input, output, error, "timestamp")
    SELECT $14, saved.id, saved.entry_count, $15, $16, $17, $18, $19::jsonb, $20::jsonb, NULL,
      $21::timestamptz AT TIME ZONE 'UTC' FROM saved`;
  const rawCheckpoint = postgresRawCheckpoint(pool, dataSource);
  return {
    name: 'postgres',
    store: new TypeormWorkflowStore(dataSource),
    rawCheckpoint: (e, entries, options) =>
      rawCheckpoint(e, onlyEntry(entries), variablesSet(e, options), options),
    raw: async (e, entry) => {
      await pool.query({
        name: 'raw_checkpoint',
        text: sql,
        values: [
          e.id,
          e.workflowId,
          e.workflowVersion,
          e.status,
          JSON.stringify(e.input),
          JSON.stringify(e.ctx),
          e.currentStep,
          JSON.stringify(e.result),
          e.recoverTo,
          JSON.stringify(e.haltData),
          e.error,
          iso(new Date()),
          JSON.stringify(e.runtime),
          entry.id,
          entry.stepId,
          entry.stepType,
          entry.action,
          entry.durationMs,
          JSON.stringify(entry.input),
          JSON.stringify(entry.output),
          iso(entry.timestamp),
        ],
      });
    },
    sql: { schema, query: (text, values) => pool.query(text, values) },
    version: async () => ((await admin.query('select version() v')).rows[0] as { v: string }).v,
    close: async () => {
      await dataSource.destroy();
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-'));
  const file = join(dir, 'bench.sqlite');
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    entities,
    migrations: WORKFLOW_MIGRATIONS,
    migrationsTableName: 'workflow_migrations',
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // As TypeORM opens its connection: an entry's execution is checked to exist.
  db.pragma('foreign_keys = ON');
  const update = db.prepare(`UPDATE workflow_executions SET workflow_id = ?, workflow_version = ?,
    status = ?, input = jsonb(?), ctx = jsonb(?), current_step = ?, result = jsonb(?), recover_to = ?,
    halt_data = jsonb(?), error = ?, updated_at = ?, revision = revision + 1,
    entry_count = entry_count + 1, runtime = jsonb(?) WHERE id = ? RETURNING entry_count`);
  const insert =
    db.prepare(`INSERT INTO workflow_entries (id, execution_id, seq, step_id, step_type,
    action, duration_ms, input, output, error, "timestamp") VALUES (?, ?, ?, ?, ?, ?, ?, jsonb(?), jsonb(?), NULL, ?)`);
  const write = db.transaction((e: Execution, entry: Entry) => {
    const row = update.get(
      e.workflowId,
      e.workflowVersion,
      e.status,
      JSON.stringify(e.input),
      JSON.stringify(e.ctx),
      e.currentStep,
      JSON.stringify(e.result),
      e.recoverTo,
      JSON.stringify(e.haltData),
      e.error,
      sqliteTime(new Date()),
      JSON.stringify(e.runtime),
      e.id,
    ) as { entry_count: number };
    insert.run(
      entry.id,
      e.id,
      row.entry_count,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      JSON.stringify(entry.input),
      JSON.stringify(entry.output),
      sqliteTime(entry.timestamp),
    );
  });
  const writeRun = sqliteRawCheckpoint(db, dataSource);
  return {
    name: 'sqlite',
    store: new TypeormWorkflowStore(dataSource),
    rawCheckpoint: async (e, entries, options) =>
      writeRun(e, onlyEntry(entries), variablesSet(e, options), options),
    raw: async (e, entry) => write.immediate(e, entry),
    version: async () => (db.prepare('select sqlite_version() v').get() as { v: string }).v,
    close: async () => {
      db.close();
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Redis under a key prefix of its own, on the server of `url` (the shared one by default). */
export async function redisBackend(url = REDIS_URL): Promise<Backend> {
  const prefix = `dw-bench:${randomBytes(4).toString('hex')}`;
  const client = new Redis(url);
  const ttl = 7 * 24 * 3600;
  // bench:store's baseline: one MULTI of the execution and its entry, its own keys.
  const multi = async (e: Execution, entry: Entry) => {
    const exec = `${prefix}:raw:exec:${e.id}`;
    const entries = `${prefix}:raw:entries:${e.id}`;
    const created = e.createdAt.getTime();
    await client
      .multi()
      .hset(
        exec,
        'data',
        JSON.stringify({ ...e, updatedAt: new Date() }),
        'revision',
        (e.revision ?? 0) + 1,
        'status',
        e.status,
        'workflow_id',
        e.workflowId,
        'created_at',
        created,
      )
      .rpush(entries, JSON.stringify(entry))
      .expire(exec, ttl)
      .expire(entries, ttl)
      .zadd(`${prefix}:raw:all`, created, e.id)
      .zadd(`${prefix}:raw:idx:${e.workflowId}`, created, e.id)
      .zadd(`${prefix}:raw:status:${e.status}`, created, e.id)
      .zadd(`${prefix}:raw:expiry`, Date.now() + ttl * 1000, e.id)
      .exec();
  };
  // bench:engine's baseline: the store's checkpoint script under the store's prefix, so a raw run
  // writes the keys and indexes an engine run writes.
  const checkpoint = await redisRawCheckpoint(client, prefix, ttl);
  return {
    name: 'redis',
    store: new RedisWorkflowStore({ client, prefix, ttlSeconds: ttl }),
    raw: multi,
    rawCheckpoint: (e, entries, options) =>
      checkpoint(e, entries, options, variablesSet(e, options)),
    version: async () => /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown',
    close: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await client.quit();
    },
  };
}
