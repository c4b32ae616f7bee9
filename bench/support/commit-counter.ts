import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

/**
 * A backend reports its transaction counts to `pg_stat_database` at most every second while busy,
 * and up to ten seconds after it goes idle; a reading taken after this long has seen every commit
 * made before it.
 */
const STATS_SETTLE_MS = 11_500;

/**
 * Counts the commits made in one database of its own (`pg_stat_database.xact_commit`), so that no
 * other client of the server is counted. Read-only statements are transactions too and count.
 */
export class CommitCounter {
  private constructor(
    private readonly admin: Client,
    readonly database: string,
    readonly url: string,
  ) {}

  /** Creates a database of its own on the server of `adminUrl`; `drop()` removes it. */
  static async create(adminUrl: string, label: string): Promise<CommitCounter> {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    const database = `dw_bench_${label}_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    return new CommitCounter(admin, database, withDatabase(adminUrl, database));
  }

  /** Wraps an existing database (one a peer made for itself). */
  static async of(adminUrl: string, database: string): Promise<CommitCounter> {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    return new CommitCounter(admin, database, withDatabase(adminUrl, database));
  }

  /**
   * Commits per operation of `work`, which does `operations` of them: the settled count after it,
   * less the count before it and less what the database commits by itself over the same time
   * (a peer's pollers), measured over an idle window first.
   */
  async perOperation(operations: number, work: () => Promise<void>): Promise<number> {
    await sleep(STATS_SETTLE_MS);
    const idleStart = await this.commits();
    await sleep(STATS_SETTLE_MS);
    const before = await this.commits();
    const idlePerMs = (before - idleStart) / STATS_SETTLE_MS;
    const began = performance.now();
    await work();
    await sleep(STATS_SETTLE_MS);
    const after = await this.commits();
    const background = idlePerMs * (performance.now() - began);
    return (after - before - background) / operations;
  }

  async drop(): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    await this.admin.end();
  }

  async release(): Promise<void> {
    await this.admin.end();
  }

  private async commits(): Promise<number> {
    await this.admin.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.admin.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1',
      [this.database],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

export function withDatabase(url: string, database: string): string {
  return url.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);
}
