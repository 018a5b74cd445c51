import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { hostKeys, hosts, shares, type NewShare, type Share } from '../schema';

export async function insertShare(db: Db, row: NewShare): Promise<Share> {
  const rows = await db.insert(shares).values(row).returning();
  return rows[0] as Share;
}

/** The share whose token hashes to `tokenHash`, revoked and expired ones included. */
export async function findShareByHash(db: Db, tokenHash: string): Promise<Share | null> {
  const rows = await db.select().from(shares).where(eq(shares.tokenHash, tokenHash)).limit(1);
  return rows[0] ?? null;
}

export async function getShare(db: Db, id: string): Promise<Share | null> {
  const rows = await db.select().from(shares).where(eq(shares.id, id)).limit(1);
  return rows[0] ?? null;
}

/** A session's shares, newest first. */
export async function listSharesOfSession(db: Db, sessionId: string): Promise<Share[]> {
  return db.select().from(shares).where(eq(shares.sessionId, sessionId)).orderBy(desc(shares.createdAt));
}

/** Marks a share revoked (once); returns whether this call revoked it. */
export async function revokeShare(db: Db, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(shares)
    .set({ revokedAt: at })
    .where(and(eq(shares.id, id), isNull(shares.revokedAt)))
    .returning({ id: shares.id });
  return rows.length > 0;
}

/**
 * Addresses of the named hosts as the hosts registry knows them (the address
 * field and every host name their pinned keys were accepted under), for a
 * share that hides hosts.
 */
export async function hostAddressesOf(db: Db, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db.select({ id: hosts.id, address: hosts.address }).from(hosts).where(inArray(hosts.name, names));
  if (rows.length === 0) return [];
  const keys = await db
    .select({ host: hostKeys.host })
    .from(hostKeys)
    .where(inArray(hostKeys.hostId, rows.map((r) => r.id)));
  return [...new Set([...rows.map((r) => r.address), ...keys.map((k) => k.host)].filter(Boolean))];
}

/** Every identity file the hosts registry names: a share never shows them, whichever host a message is about. */
export async function identityFilesOf(db: Db): Promise<string[]> {
  const rows = await db.select({ file: hosts.identityFile }).from(hosts);
  return [...new Set(rows.map((r) => r.file).filter((f): f is string => Boolean(f)))];
}
