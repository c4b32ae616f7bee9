import { Client } from 'pg';
import { DATABASE_URL } from './env';

/** Runs one statement on the test database over a connection of its own (schemas, clean-up). */
export async function postgresAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
