import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { EngineEvent } from '../../server/engine/events';
import type { CopyOutcome, TransferSample } from '../../server/engine/phases/transfer-stats';
import type { Db } from '../client';
import { transferCopies, type StoredSample } from '../schema';

type CopyStarted = Extract<EngineEvent, { type: 'copyStarted' }>;
type SampleEvent = Extract<EngineEvent, { type: 'transferSample' }>;
type CopyFinished = Extract<EngineEvent, { type: 'copyFinished' }>;

/** Projection of `copyStarted`: a `running` row (a step run again under the same number starts afresh). */
export async function recordCopyStarted(db: Db, sessionId: string, e: CopyStarted): Promise<void> {
  const row = {
    copies: e.copies,
    payloadBytes: e.payloadBytes,
    stallSec: e.stallSec,
    copyTimeoutSec: e.copyTimeoutSec,
    outcome: 'running' as const,
    detail: '',
    bytes: 0,
    ms: null,
    meanMBps: null,
    minMBps: null,
    maxMBps: null,
    samples: sql`'[]'::jsonb`,
    startedAt: new Date(),
  };
  await db
    .insert(transferCopies)
    .values({ sessionId, step: e.step, phase: e.phase, copy: e.copy, ...row })
    .onConflictDoUpdate({ target: [transferCopies.sessionId, transferCopies.step, transferCopies.phase, transferCopies.copy], set: row });
}

/** Projection of `transferSample`: appends to the copy's compact sample array. */
export async function recordSamples(db: Db, sessionId: string, e: SampleEvent): Promise<void> {
  if (e.samples.length === 0) return;
  const packed: StoredSample[] = e.samples.map((s) => [s.t, s.bytes, s.rateMBps]);
  const last = e.samples[e.samples.length - 1] as TransferSample;
  await db
    .update(transferCopies)
    .set({ samples: sql`${transferCopies.samples} || ${JSON.stringify(packed)}::jsonb`, bytes: last.bytes })
    .where(copyIs(sessionId, e.step, e.phase, e.copy));
}

/** Projection of `copyFinished`: the copy's summary. */
export async function recordCopyFinished(db: Db, sessionId: string, e: CopyFinished): Promise<void> {
  await db
    .update(transferCopies)
    .set({ outcome: e.outcome, detail: e.detail, bytes: e.bytes, ms: e.ms, meanMBps: e.meanMBps, minMBps: e.minMBps, maxMBps: e.maxMBps })
    .where(copyIs(sessionId, e.step, e.phase, e.copy));
}

function copyIs(sessionId: string, step: number, phase: number, copy: number): SQL | undefined {
  return and(
    eq(transferCopies.sessionId, sessionId),
    eq(transferCopies.step, step),
    eq(transferCopies.phase, phase),
    eq(transferCopies.copy, copy),
  );
}

/** What `sessions.byId` lists per copy of a transfer phase. `index` is the 1-based copy number. */
export interface CopyListing {
  index: number;
  bytes: number;
  ms: number | null;
  meanMBps: number | null;
  outcome: CopyOutcome | 'running';
}

/** Copies of every transfer phase of a session, by `step:phase`, in copy order (no samples). */
export async function listCopies(db: Db, sessionId: string): Promise<Map<string, CopyListing[]>> {
  const rows = await db
    .select({
      step: transferCopies.step,
      phase: transferCopies.phase,
      index: transferCopies.copy,
      bytes: transferCopies.bytes,
      ms: transferCopies.ms,
      meanMBps: transferCopies.meanMBps,
      outcome: transferCopies.outcome,
    })
    .from(transferCopies)
    .where(eq(transferCopies.sessionId, sessionId))
    .orderBy(asc(transferCopies.step), asc(transferCopies.phase), asc(transferCopies.copy));
  const byPhase = new Map<string, CopyListing[]>();
  for (const { step, phase, ...copy } of rows) {
    const key = `${step}:${phase}`;
    const list = byPhase.get(key) ?? [];
    list.push(copy);
    byPhase.set(key, list);
  }
  return byPhase;
}

/** One copy with its samples, as `sessions.samples` returns it. */
export interface CopySamples extends Omit<CopyStarted, 'type'> {
  outcome: CopyOutcome | 'running';
  detail: string;
  bytes: number;
  ms: number | null;
  meanMBps: number | null;
  minMBps: number | null;
  maxMBps: number | null;
  samples: TransferSample[];
}

/** Copies with samples of a session, optionally of one step and/or phase, in order. */
export async function listCopySamples(db: Db, sessionId: string, filter: { step?: number; phase?: number } = {}): Promise<CopySamples[]> {
  const conds: SQL[] = [eq(transferCopies.sessionId, sessionId)];
  if (filter.step !== undefined) conds.push(eq(transferCopies.step, filter.step));
  if (filter.phase !== undefined) conds.push(eq(transferCopies.phase, filter.phase));
  const rows = await db
    .select()
    .from(transferCopies)
    .where(and(...conds))
    .orderBy(asc(transferCopies.step), asc(transferCopies.phase), asc(transferCopies.copy));
  return rows.map(({ sessionId: _sessionId, startedAt: _startedAt, samples, ...r }) => ({
    ...r,
    samples: samples.map(([t, bytes, rateMBps]) => ({ t, bytes, rateMBps })),
  }));
}
