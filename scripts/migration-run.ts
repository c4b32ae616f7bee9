/**
 * Applies the workflow tables' migrations to DATABASE_URL: a postgres:// URL, or sqlite:path for a
 * better-sqlite3 file. `npm run migration:run`.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { WORKFLOW_MIGRATIONS } from '../src/storage/typeorm/migrations';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const common = { migrations: WORKFLOW_MIGRATIONS, migrationsTableName: 'workflow_migrations' };
  const dataSource = /^(sqlite|file):/.test(url)
    ? new DataSource({
        type: 'better-sqlite3',
        database: url.replace(/^(sqlite|file):(\/\/)?/, ''),
        ...common,
      })
    : new DataSource({ type: 'postgres', url, ...common });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    console.log(
      applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'Up to date.',
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
