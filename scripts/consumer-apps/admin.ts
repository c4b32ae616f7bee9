/**
 * What `scripts/consumer-apps.sh` needs from the servers, through the repository's own drivers
 * (so neither psql nor redis-cli has to be installed):
 *
 *   admin.ts create-schema <name>      a Postgres schema for one application's run
 *   admin.ts drop-schema <name>        and its removal, with everything in it
 *   admin.ts delete-keys <prefix>      every Redis key under `<prefix>:`; prints how many
 *
 * DATABASE_URL and REDIS_URL say where the servers are.
 */
import { Redis } from 'ioredis';
import { Client } from 'pg';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function sql(statement: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  if (!name || !/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`a schema or prefix of [a-z0-9_] is needed (got "${name ?? ''}")`);
  if (command === 'create-schema') await sql(`CREATE SCHEMA ${name}`);
  else if (command === 'drop-schema') await sql(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  else if (command === 'delete-keys') console.log(await deleteKeys(name));
  else throw new Error(`unknown command "${command}": create-schema, drop-schema or delete-keys`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
