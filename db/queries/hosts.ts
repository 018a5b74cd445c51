import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { hostKeys, hosts, type Host, type HostKey, type NewHost } from '../schema';

export async function listHostRows(db: Db): Promise<Host[]> {
  return db.select().from(hosts).orderBy(asc(hosts.name));
}

export async function getHostRow(db: Db, id: string): Promise<Host | null> {
  const rows = await db.select().from(hosts).where(eq(hosts.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function insertHost(db: Db, row: NewHost): Promise<void> {
  await db.insert(hosts).values(row);
}

export async function updateHost(db: Db, id: string, patch: Partial<Omit<NewHost, 'id' | 'createdAt'>>): Promise<void> {
  await db
    .update(hosts)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(hosts.id, id));
}

/** Replaces the stored passphrase only (a data conversion: `updatedAt` is left as it was). */
export async function setHostPassphrase(db: Db, id: string, passphrase: string | null): Promise<void> {
  await db.update(hosts).set({ passphrase }).where(eq(hosts.id, id));
}

/** Deletes the host and (by cascade) its pinned keys. */
export async function deleteHost(db: Db, id: string): Promise<boolean> {
  const rows = await db.delete(hosts).where(eq(hosts.id, id)).returning({ id: hosts.id });
  return rows.length > 0;
}

export async function listHostKeys(db: Db): Promise<HostKey[]> {
  return db.select().from(hostKeys).orderBy(asc(hostKeys.addedAt));
}

/**
 * Pins a key on first contact, decided under a lock on the host's row so that
 * first contacts in several processes are serialised: `decide` sees the keys
 * pinned for the host now and returns whether to pin (`pin`) or that the key
 * is there already (`known`); it throws to refuse, and nothing is written.
 * A host that no longer exists is refused with an Error.
 */
export async function claimHostKey(db: Db, row: Omit<HostKey, 'addedAt'> & { addedAt?: Date }, decide: (pinned: HostKey[]) => 'pin' | 'known'): Promise<void> {
  await db.transaction(async (tx) => {
    const host = await tx.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, row.hostId)).for('update');
    if (host.length === 0) throw new Error('the host was removed');
    const pinned = await tx.select().from(hostKeys).where(eq(hostKeys.hostId, row.hostId));
    if (decide(pinned) === 'pin') await tx.insert(hostKeys).values(row).onConflictDoNothing();
  });
}

export async function deleteHostKeys(db: Db, hostId: string): Promise<void> {
  await db.delete(hostKeys).where(eq(hostKeys.hostId, hostId));
}

export async function hostKeysOf(db: Db, hostId: string): Promise<HostKey[]> {
  return db.select().from(hostKeys).where(and(eq(hostKeys.hostId, hostId))).orderBy(asc(hostKeys.addedAt));
}

/**
 * A cheap stamp of the hosts table and its pinned keys, for caches in several
 * processes: it changes when a host is added, edited (updated_at, whoever's
 * clock set it: values are compared, not ordered), removed, or gets a key.
 */
export async function hostsStamp(db: Db): Promise<string> {
  const [rows, keys] = await Promise.all([
    db.select({ id: hosts.id, updatedAt: hosts.updatedAt }).from(hosts).orderBy(asc(hosts.id)),
    db.select({ hostId: hostKeys.hostId, n: count() }).from(hostKeys).groupBy(hostKeys.hostId).orderBy(asc(hostKeys.hostId)),
  ]);
  return [...rows.map((r) => `${r.id}@${r.updatedAt.getTime()}`), ...keys.map((k) => `${k.hostId}#${k.n}`)].join(',');
}
