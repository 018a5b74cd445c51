import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { hostLeases, runners, sessionControls, sessions, steps, type ControlKind, type Runner, type SessionControl } from '../schema';

/** A runner's right to write a session's events: its id and the token its claim got. */
export interface Fence {
  runnerId: string;
  token: number;
}

export async function upsertRunner(db: Db, r: { id: string; name: string; tags: string[] }): Promise<void> {
  await db
    .insert(runners)
    .values({ ...r, startedAt: new Date(), heartbeatAt: new Date(), stoppedAt: null })
    .onConflictDoUpdate({ target: runners.id, set: { name: r.name, tags: r.tags, startedAt: new Date(), heartbeatAt: new Date(), stoppedAt: null } });
}

export async function markRunnerStopped(db: Db, id: string): Promise<void> {
  await db.update(runners).set({ stoppedAt: new Date(), slotsInUse: 0 }).where(eq(runners.id, id));
}

/**
 * Renews the runner's heartbeat and the leases of the sessions it owns under
 * the given tokens. Returns the sessions whose lease it still holds: one
 * missing from the answer was taken over and must stop at once.
 */
export async function heartbeat(db: Db, runnerId: string, owned: ReadonlyMap<string, number>, leaseMs: number, slotsInUse: number): Promise<Set<string>> {
  const until = new Date(Date.now() + leaseMs);
  await db.update(runners).set({ heartbeatAt: new Date(), slotsInUse }).where(eq(runners.id, runnerId));
  await db.update(hostLeases).set({ expiresAt: until }).where(eq(hostLeases.runnerId, runnerId));
  const kept = new Set<string>();
  for (const [id, token] of owned) {
    const rows = await db
      .update(sessions)
      .set({ leaseExpiresAt: until })
      .where(and(eq(sessions.id, id), eq(sessions.runnerId, runnerId), eq(sessions.leaseToken, token)))
      .returning({ id: sessions.id });
    if (rows.length > 0) kept.add(id);
  }
  return kept;
}

/**
 * Takes a session for `runnerId` when nobody holds it (or the holder's lease
 * ran out, or it is this runner's own from an earlier life): raises the
 * fencing token, so a presumed-dead owner's late writes are refused.
 */
export async function claimSession(db: Db, id: string, runnerId: string, leaseMs: number): Promise<Fence | null> {
  const rows = await db
    .update(sessions)
    .set({
      runnerId,
      runnerSince: new Date(),
      leaseToken: sql`${sessions.leaseToken} + 1`,
      leaseExpiresAt: new Date(Date.now() + leaseMs),
    })
    .where(and(eq(sessions.id, id), or(isNull(sessions.runnerId), lt(sessions.leaseExpiresAt, new Date()), eq(sessions.runnerId, runnerId))))
    .returning({ token: sessions.leaseToken });
  const token = rows[0]?.token;
  return token === undefined ? null : { runnerId, token };
}

/** Gives a session back (it ended, paused, or the runner stops): anyone may claim it next. */
export async function releaseSession(db: Db, id: string, fence: Fence): Promise<void> {
  await db
    .update(sessions)
    .set({ runnerId: null, leaseExpiresAt: null })
    .where(and(eq(sessions.id, id), eq(sessions.runnerId, fence.runnerId), eq(sessions.leaseToken, fence.token)));
}

/** Running sessions nobody holds a live lease on (or that this runner held before it restarted). */
export async function claimableSessions(db: Db, runnerId: string): Promise<Array<{ id: string; repoPath: string; recipe: unknown; slots: unknown }>> {
  return db
    .select({ id: sessions.id, repoPath: sessions.repoPath, recipe: sessions.recipe, slots: sessions.slots })
    .from(sessions)
    .where(and(eq(sessions.status, 'running'), or(isNull(sessions.runnerId), lt(sessions.leaseExpiresAt, new Date()), eq(sessions.runnerId, runnerId))));
}

/** The live owner of a session, if any: its runner id while the lease holds. */
export async function liveOwner(db: Db, id: string): Promise<string | null> {
  const rows = await db
    .select({ runnerId: sessions.runnerId })
    .from(sessions)
    .where(and(eq(sessions.id, id), gt(sessions.leaseExpiresAt, new Date())))
    .limit(1);
  return rows[0]?.runnerId ?? null;
}

export interface RunnerListing extends Runner {
  sessions: Array<{ id: string; title: string }>;
}

export async function listRunners(db: Db): Promise<RunnerListing[]> {
  const rows = await db.select().from(runners).orderBy(asc(runners.startedAt));
  const owned = await db
    .select({ id: sessions.id, title: sessions.title, runnerId: sessions.runnerId })
    .from(sessions)
    .where(and(gt(sessions.leaseExpiresAt, new Date()), inArray(sessions.status, ['running', 'paused'])));
  return rows.map((r) => ({ ...r, sessions: owned.filter((s) => s.runnerId === r.id).map((s) => ({ id: s.id, title: s.title })) }));
}

export async function runnerName(db: Db, id: string): Promise<string | null> {
  const rows = await db.select({ name: runners.name }).from(runners).where(eq(runners.id, id)).limit(1);
  return rows[0]?.name ?? null;
}

/** Steps running now in sessions a runner owns. */
export async function runningStepCount(db: Db, runnerId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(steps)
    .innerJoin(sessions, eq(steps.sessionId, sessions.id))
    .where(and(eq(sessions.runnerId, runnerId), eq(steps.state, 'running')));
  return rows[0]?.n ?? 0;
}

// --- controls -------------------------------------------------------------

export async function insertControl(db: Db, sessionId: string, kind: ControlKind, input: Record<string, unknown>): Promise<number> {
  const rows = await db.insert(sessionControls).values({ sessionId, kind, input }).returning({ id: sessionControls.id });
  return (rows[0] as { id: number }).id;
}

/** Controls not carried out yet for sessions this runner owns, oldest first. */
export async function pendingControls(db: Db, runnerId: string): Promise<SessionControl[]> {
  return db
    .select({ control: sessionControls })
    .from(sessionControls)
    .innerJoin(sessions, eq(sessionControls.sessionId, sessions.id))
    .where(and(isNull(sessionControls.doneAt), eq(sessions.runnerId, runnerId)))
    .orderBy(asc(sessionControls.id))
    .then((rows) => rows.map((r) => r.control));
}

/** Records a control's outcome; false when it was finished already (by its runner, or withdrawn). */
export async function finishControl(db: Db, id: number, outcome: { result: unknown } | { error: string }): Promise<boolean> {
  const rows = await db
    .update(sessionControls)
    .set({ doneAt: new Date(), ...('error' in outcome ? { error: outcome.error } : { result: outcome.result ?? null }) })
    .where(and(eq(sessionControls.id, id), isNull(sessionControls.doneAt)))
    .returning({ id: sessionControls.id });
  return rows.length > 0;
}

export async function getControl(db: Db, id: number): Promise<SessionControl | null> {
  const rows = await db.select().from(sessionControls).where(eq(sessionControls.id, id)).limit(1);
  return rows[0] ?? null;
}

// --- host leases ------------------------------------------------------------

/** Takes a host for one step; false while another step (of any runner) holds a live lease on it. */
export async function takeHostLease(db: Db, host: string, holder: { sessionId: string; step: number; runnerId: string }, leaseMs: number): Promise<boolean> {
  const expiresAt = new Date(Date.now() + leaseMs);
  const rows = await db
    .insert(hostLeases)
    .values({ host, ...holder, expiresAt })
    .onConflictDoUpdate({
      target: hostLeases.host,
      set: { sessionId: holder.sessionId, step: holder.step, runnerId: holder.runnerId, expiresAt, token: sql`${hostLeases.token} + 1` },
      setWhere: or(lt(hostLeases.expiresAt, new Date()), and(eq(hostLeases.sessionId, holder.sessionId), eq(hostLeases.step, holder.step))),
    })
    .returning({ host: hostLeases.host });
  return rows.length > 0;
}

export async function hostLeaseHolder(db: Db, host: string): Promise<{ sessionId: string; step: number } | null> {
  const rows = await db.select({ sessionId: hostLeases.sessionId, step: hostLeases.step }).from(hostLeases).where(eq(hostLeases.host, host)).limit(1);
  return rows[0] ?? null;
}

export async function releaseHostLease(db: Db, host: string, holder: { sessionId: string; step: number }): Promise<void> {
  await db.delete(hostLeases).where(and(eq(hostLeases.host, host), eq(hostLeases.sessionId, holder.sessionId), eq(hostLeases.step, holder.step)));
}
