import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, authSessions, users, type ApiToken, type User } from '../schema';

export async function countUsers(db: Db): Promise<number> {
  return (await db.select({ id: users.id }).from(users)).length;
}

export async function findUserByName(db: Db, name: string): Promise<User | null> {
  return (await db.select().from(users).where(eq(users.name, name)).limit(1))[0] ?? null;
}

export async function insertUser(db: Db, row: typeof users.$inferInsert): Promise<void> {
  await db.insert(users).values(row);
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

export async function insertAuthSession(db: Db, row: typeof authSessions.$inferInsert): Promise<void> {
  await db.insert(authSessions).values(row);
}

/** The user of a live (unexpired, unrevoked) browser session. */
export async function userOfAuthSession(db: Db, tokenHash: string, now = new Date()): Promise<string | null> {
  const rows = await db
    .select({ userId: authSessions.userId })
    .from(authSessions)
    .where(and(eq(authSessions.tokenHash, tokenHash), isNull(authSessions.revokedAt), gt(authSessions.expiresAt, now)))
    .limit(1);
  return rows[0]?.userId ?? null;
}

export async function revokeAuthSession(db: Db, tokenHash: string): Promise<void> {
  await db.update(authSessions).set({ revokedAt: new Date() }).where(eq(authSessions.tokenHash, tokenHash));
}

export async function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert): Promise<void> {
  await db.insert(apiTokens).values(row);
}

export async function userOfApiToken(db: Db, tokenHash: string): Promise<string | null> {
  const rows = await db
    .select({ id: apiTokens.id, userId: apiTokens.userId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.id));
  return row.userId;
}

export type ApiTokenSummary = Pick<ApiToken, 'id' | 'name' | 'prefix' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>;

export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  return db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId));
}

export async function revokeApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}
