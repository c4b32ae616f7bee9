import { RedisHarness } from './redis-harness';
import { PostgresHarness, SqliteHarness } from './sql-harness';
import type { StoreHarness } from './store-harness';

/** Every store, for suites that run the same tests on each (`describe.each(STORE_HARNESSES)`). */
export const STORE_HARNESSES: [string, () => StoreHarness][] = [
  ['sqlite', () => new SqliteHarness()],
  ['postgres', () => new PostgresHarness()],
  ['redis', () => new RedisHarness()],
];
