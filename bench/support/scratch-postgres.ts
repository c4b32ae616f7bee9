import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../test/support/redis-server';

/**
 * A private Postgres cluster (initdb into a temporary directory, on a free port) for measurements
 * that read server-wide counters such as the WAL position: nothing else writes to it. Runs as the
 * `postgres` user when started as root, as initdb requires.
 */
export class ScratchPostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'dw-pg-'));
  private port = 0;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const bin = postgresBin();
    this.port = await freePort();
    const data = join(this.dir, 'data');
    if (process.getuid?.() === 0) chownSync(this.dir, uidOf('postgres'), gidOf('postgres'));
    this.run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    this.run(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      '-w',
      'start',
    ]);
    const client = new Client({ connectionString: this.url });
    await client.connect();
    await client.end();
  }

  async dispose(): Promise<void> {
    if (this.port) {
      this.run(join(postgresBin(), 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'fast', 'stop']);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
    }
  }
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  if (!versions.length)
    throw new Error('no PostgreSQL under /usr/lib/postgresql: npm run services');
  return join(root, versions[0], 'bin');
}

const uidOf = (user: string) => Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
const gidOf = (user: string) => Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
