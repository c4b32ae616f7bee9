import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  TypeormWorkflowStore,
  WORKFLOW_MIGRATIONS,
  WORKFLOW_EVENT_ENTITIES,
  WORKFLOW_PART_ENTITIES,
  WorkflowEntryEntity,
  WorkflowEventEntity,
  WorkflowExecutionEntity,
  WorkflowSlotEntity,
  type Entry,
  type Execution,
} from '../../src';
import { DATABASE_URL } from './env';
import { newEntry } from './fixtures';
import type { BrokenAppend, StoreHarness } from './store-harness';
import { postgresAdmin } from './postgres-admin';

const entities = [
  WorkflowExecutionEntity,
  WorkflowEntryEntity,
  WorkflowSlotEntity,
  ...WORKFLOW_EVENT_ENTITIES,
  ...WORKFLOW_PART_ENTITIES,
];
const migrations = WORKFLOW_MIGRATIONS;

/** A TypeORM store on its own Postgres schema or SQLite file, migrated like an application would. */
abstract class SqlHarness implements StoreHarness {
  abstract readonly name: string;
  protected dataSource!: DataSource;

  protected abstract options(): Promise<DataSourceOptions>;
  protected abstract dispose(): Promise<void>;

  async open(): Promise<TypeormWorkflowStore> {
    this.dataSource = new DataSource(await this.options());
    await this.dataSource.initialize();
    await this.dataSource.runMigrations();
    return this.store();
  }

  store(): TypeormWorkflowStore {
    return new TypeormWorkflowStore(this.dataSource);
  }

  async close(): Promise<void> {
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.dispose();
  }

  /** A duplicate entry id violates the primary key after the execution row was written. */
  async breakSecondHalf(execution: Execution, existing: Entry): Promise<BrokenAppend> {
    return {
      entries: [newEntry(execution, 'fresh'), { ...existing, stepId: 'duplicate' }],
      repair: async () => undefined,
    };
  }

  async corrupt(executionId: string): Promise<void> {
    const table = this.dataSource.getMetadata(WorkflowExecutionEntity).tablePath;
    const placeholder = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    await this.dataSource.query(
      `UPDATE ${table} SET status = 'exploded' WHERE id = ${placeholder}`,
      [executionId],
    );
  }

  /** The statements TypeORM would run to make the database match the entities; none when in sync. */
  async schemaDrift(): Promise<string[]> {
    const log = await this.dataSource.driver.createSchemaBuilder().log();
    return log.upQueries.map((query) => query.query);
  }

  /** Undoes the newest migrations, down to and including the one named. */
  async revertThrough(name: string): Promise<void> {
    const position = migrations.findIndex((migration) => migration.name === name);
    if (position < 0) throw new Error(`no migration ${name}`);
    for (let i = migrations.length; i > position; i--) await this.dataSource.undoLastMigration();
  }

  /** Creates an index on the executions table by hand, as an operator would before migrating. */
  async createExecutionsIndex(name: string, columns: string[]): Promise<void> {
    const table = this.dataSource.getMetadata(WorkflowExecutionEntity).tablePath;
    await this.dataSource.query(`CREATE INDEX ${name} ON ${table} (${columns.join(', ')})`);
  }

  /** Adds a nullable timestamp column to the executions table by hand, as an operator would. */
  async addExecutionsTimestampColumn(name: string): Promise<void> {
    const table = this.dataSource.getMetadata(WorkflowExecutionEntity).tablePath;
    const type = this.dataSource.options.type === 'postgres' ? 'timestamp' : 'datetime';
    await this.dataSource.query(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  }

  /** The same by hand on the events table, for the migrations that add to it. */
  async addEventsTimestampColumnAndIndex(column: string, index: string): Promise<void> {
    const table = this.dataSource.getMetadata(WorkflowEventEntity).tablePath;
    const type = this.dataSource.options.type === 'postgres' ? 'timestamp' : 'datetime';
    await this.dataSource.query(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    await this.dataSource.query(`CREATE INDEX ${index} ON ${table} (${column})`);
  }

  /** Undoes every migration, newest first. */
  async revertMigrations(): Promise<void> {
    for (let i = 0; i < migrations.length; i++) await this.dataSource.undoLastMigration();
  }

  async runMigrations(): Promise<void> {
    await this.dataSource.runMigrations();
  }

  /** The tables of this harness's own schema or file. */
  async tableNames(): Promise<string[]> {
    const rows = (await (this.dataSource.options.type === 'postgres'
      ? this.dataSource.query(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
          [(this.dataSource.options as { schema: string }).schema],
        )
      : this.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table'"))) as {
      name: string;
    }[];
    return rows.map((row) => row.name);
  }

  query(sql: string, params: unknown[] = []): Promise<unknown> {
    return this.dataSource.query(sql, params);
  }
}

export class PostgresHarness extends SqlHarness {
  readonly name = 'postgres';
  readonly schema = `dw_test_${randomBytes(5).toString('hex')}`;

  protected async options(): Promise<DataSourceOptions> {
    await postgresAdmin(`CREATE SCHEMA ${this.schema}`);
    return {
      type: 'postgres',
      url: DATABASE_URL,
      schema: this.schema,
      entities,
      migrations,
      migrationsTableName: 'workflow_migrations',
      extra: { max: 20 },
    };
  }

  protected async dispose(): Promise<void> {
    await postgresAdmin(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

export class SqliteHarness extends SqlHarness {
  readonly name = 'sqlite';
  readonly dir = mkdtempSync(join(tmpdir(), 'dw-sqlite-'));

  protected async options(): Promise<DataSourceOptions> {
    return {
      type: 'better-sqlite3',
      database: join(this.dir, 'workflows.sqlite'),
      enableWAL: true,
      entities,
      migrations,
      migrationsTableName: 'workflow_migrations',
    };
  }

  protected async dispose(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
