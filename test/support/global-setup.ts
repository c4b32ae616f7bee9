import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { DATABASE_URL, REDIS_URL } from './env';

async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(): Promise<boolean> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * The dashboard's browser test needs Chromium: found or installed by scripts/chromium.sh. Workers
 * inherit the environment, so the test reads CHROMIUM_PATH, or CHROMIUM_MISSING for why it skips.
 */
function locateChromium(): void {
  const found = spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'chromium.sh')], {
    encoding: 'utf8',
  });
  const path = found.stdout.trim();
  if (found.status === 0 && path) process.env.CHROMIUM_PATH = path;
  else process.env.CHROMIUM_MISSING = found.stderr.trim() || 'no Chromium found';
}

/** Tests need real Postgres and Redis: start them with scripts/services.sh when they don't answer. */
export default async function globalSetup(): Promise<void> {
  locateChromium();
  if ((await postgresAnswers()) && (await redisAnswers())) return;
  spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'services.sh')], { stdio: 'inherit' });
  const missing = [
    ...((await postgresAnswers()) ? [] : [`PostgreSQL at ${DATABASE_URL}`]),
    ...((await redisAnswers()) ? [] : [`Redis at ${REDIS_URL}`]),
  ];
  if (missing.length) {
    throw new Error(
      `The tests need ${missing.join(' and ')}, and scripts/services.sh could not start them. ` +
        'Install postgresql and redis-server, or run `docker compose up -d`, or set DATABASE_URL and REDIS_URL to servers you have.',
    );
  }
}
