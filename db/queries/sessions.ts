import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { listCopies, type CopyListing } from './transfers';
import { phaseRuns, sessions, steps, users, type NewSession, type PhaseRun, type Session, type SessionStatus, type Step } from '../schema';

/**
 * Stores a new session. `createdBy` is kept only while that user exists (a
 * token whose user was removed mid-request starts an unowned session, not an
 * error): the column references users.
 */
export async function insertSession(db: Db, row: NewSession): Promise<void> {
  const createdBy = row.createdBy ? sql`(select ${users.id} from ${users} where ${users.id} = ${row.createdBy})` : null;
  await db.insert(sessions).values({ ...row, createdBy });
}

export async function getSession(db: Db, id: string): Promise<Session | null> {
  const rows = await db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
  return rows[0] ?? null;
}

export type SessionSummary = Pick<
  Session,
  'id' | 'title' | 'status' | 'createdAt' | 'finishedAt' | 'repoPath' | 'bad' | 'good' | 'termOld' | 'termNew' | 'stepsLeft' | 'revisionsLeft' | 'result' | 'error'
>;

export async function listSessions(db: Db, limit = 200): Promise<SessionSummary[]> {
  return db
    .select({
      id: sessions.id,
      title: sessions.title,
      status: sessions.status,
      createdAt: sessions.createdAt,
      finishedAt: sessions.finishedAt,
      repoPath: sessions.repoPath,
      bad: sessions.bad,
      good: sessions.good,
      termOld: sessions.termOld,
      termNew: sessions.termNew,
      stepsLeft: sessions.stepsLeft,
      revisionsLeft: sessions.revisionsLeft,
      result: sessions.result,
      error: sessions.error,
    })
    .from(sessions)
    .orderBy(desc(sessions.createdAt))
    .limit(limit);
}

/** A phase run; transfer phases also list their copies (`{ index, bytes, ms, meanMBps, outcome }`). */
export type PhaseDetail = PhaseRun & { copies?: CopyListing[] };

export interface SessionDetail {
  session: Session;
  steps: Array<Step & { phases: PhaseDetail[] }>;
}

/**
 * A session with its steps and phases. Secret recipe values come back only as
 * `{ secret: true }`, unless the engine's starter asks for the sealed copies.
 */
export async function getSessionDetail(db: Db, id: string, o: { sealedSecrets?: boolean } = {}): Promise<SessionDetail | null> {
  const row = await getSession(db, id);
  if (!row) return null;
  const session = o.sealedSecrets ? row : { ...row, recipe: maskSecrets(row.recipe) };
  const stepRows = await db.select().from(steps).where(eq(steps.sessionId, id)).orderBy(asc(steps.step));
  const phaseRows = await db.select().from(phaseRuns).where(eq(phaseRuns.sessionId, id)).orderBy(asc(phaseRuns.step), asc(phaseRuns.phase));
  const copies = await listCopies(db, id);
  return {
    session,
    steps: stepRows.map((s) => ({
      ...s,
      phases: phaseRows
        .filter((p) => p.step === s.step)
        .map((p): PhaseDetail => (p.kind === 'transfer' ? { ...p, copies: copies.get(`${p.step}:${p.phase}`) ?? [] } : p)),
    })),
  };
}

function maskSecrets(recipe: Session['recipe']): Session['recipe'] {
  if (!recipe.env) return recipe;
  const env = Object.fromEntries(Object.entries(recipe.env).map(([k, v]) => [k, typeof v === 'string' ? v : { secret: true as const }]));
  return { ...recipe, env };
}

/** A linked session as the chain shows it. */
export interface ChainLink {
  id: string;
  title: string;
  status: SessionStatus;
  culprit: { sha: string; subject: string } | null;
}

function linkOf(s: Pick<Session, 'id' | 'title' | 'status' | 'result'>): ChainLink {
  const r = s.result;
  return { id: s.id, title: s.title, status: s.status, culprit: r?.kind === 'culprit' ? { sha: r.commit.sha, subject: r.commit.subject } : null };
}

/** The session this one continues, and the sessions that continue it. */
export async function getChain(db: Db, id: string, parentId: string | null): Promise<{ parent: ChainLink | null; children: ChainLink[] }> {
  const cols = { id: sessions.id, title: sessions.title, status: sessions.status, result: sessions.result };
  const parent = parentId ? (await db.select(cols).from(sessions).where(eq(sessions.id, parentId)).limit(1))[0] : undefined;
  const children = await db.select(cols).from(sessions).where(eq(sessions.parentId, id)).orderBy(asc(sessions.createdAt));
  return { parent: parent ? linkOf(parent) : null, children: children.map(linkOf) };
}
