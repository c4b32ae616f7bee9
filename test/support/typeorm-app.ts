import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { WORKFLOW_MIGRATIONS } from '../../src';
import { DATABASE_URL } from './env';

/**
 * An application's TypeORM connection, as the tests' apps declare it: a SQLite file or a Postgres
 * schema of its own, migrated at start unless `migrationsRun` says otherwise.
 */
export function appTypeorm(
  where: { sqliteFile: string } | { schema: string },
  { migrationsRun = true, poolSize }: { migrationsRun?: boolean; poolSize?: number } = {},
) {
  const common = {
    autoLoadEntities: true,
    migrations: WORKFLOW_MIGRATIONS,
    migrationsTableName: 'workflow_migrations',
    migrationsRun,
  };
  const options: TypeOrmModuleOptions =
    'sqliteFile' in where
      ? { type: 'better-sqlite3', database: where.sqliteFile, ...common }
      : {
          type: 'postgres',
          url: DATABASE_URL,
          schema: where.schema,
          ...common,
          ...(poolSize ? { extra: { max: poolSize } } : {}),
        };
  return TypeOrmModule.forRoot(options);
}
