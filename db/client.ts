import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

/** The one database type every query takes: PGlite and PostgreSQL alike. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DbHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export interface DbOptions {
  /** `postgres://…` to use a PostgreSQL server; otherwise PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database; `memory://` for an in-memory one (tests). */
  dataDir: string;
  migrationsFolder?: string;
}

/** Migrations ship in the repository; the server runs from its root. */
const defaultMigrations = path.resolve('db/migrations');

/** Opens the database and applies pending migrations. */
export async function openDb(o: DbOptions): Promise<DbHandle> {
  const migrationsFolder = o.migrationsFolder ?? defaultMigrations;
  if (o.databaseUrl && /^postgres(ql)?:\/\//.test(o.databaseUrl)) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 10 });
    const db = drizzle(pool, { schema });
    // Several runners may start at once: one migrates, the others wait for it.
    const lock = await pool.connect();
    try {
      await lock.query('select pg_advisory_lock(726354)');
      await migrate(drizzle(lock, { schema }), { migrationsFolder });
    } finally {
      await lock.query('select pg_advisory_unlock(726354)').catch(() => undefined);
      lock.release();
    }
    return { db: db as unknown as Db, kind: 'postgres', close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = o.dataDir === 'memory://' ? undefined : path.join(o.dataDir, 'db');
  if (dir) await mkdir(dir, { recursive: true });
  const client = dir ? new PGlite(dir) : new PGlite();
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db: db as unknown as Db, kind: 'pglite', close: () => client.close() };
}
