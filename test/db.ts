import { randomBytes } from 'node:crypto';
import { openDb, type DbHandle } from '../db/client';

/**
 * A fresh, empty, migrated database for one test file: an in-memory PGlite by
 * default, or a new database on the PostgreSQL server named by
 * TEST_DATABASE_URL (the test command starts a private cluster for that).
 */
export async function openTestDb(): Promise<DbHandle & { url?: string }> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return openDb({ dataDir: 'memory://' });
  const { default: pg } = await import('pg');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const handle = await openDb({ databaseUrl: url.toString(), dataDir: 'unused' });
  return {
    ...handle,
    url: url.toString(),
    async close() {
      await handle.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

export const dbKind = () => (process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
