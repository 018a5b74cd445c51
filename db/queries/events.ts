import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { EngineEvent } from '../../server/engine/events';
import type { OrphanLease } from '../../server/engine/executors/leases';
import { assertNever } from '../../server/engine/types';
import type { Db } from '../client';
import type { Fence } from './runners';
import { recordCopyFinished, recordCopyStarted, recordSamples } from './transfers';
import { isOutputOnly, recordOutputBatch } from './output-batch';
import { enqueueSessionDeliveries } from './webhooks';
import { events, phaseRuns, sessions, steps, type StoredEvent } from '../schema';

export interface NumberedEvent {
  seq: number;
  event: EngineEvent;
}

/** A runner wrote events for a session it no longer owns: the write was refused. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

export interface RecordOptions {
  /** Refuse the batch unless the session is still owned under this claim. */
  fence?: Fence;
  /** PostgreSQL: `NOTIFY bisect_events, 'session:first:last:origin'` on commit, for other processes' streams. */
  notifyOrigin?: string;
}

/** The channel other processes LISTEN on for stored event batches. */
export const EVENTS_CHANNEL = 'bisect_events';

/**
 * Appends events to a session's log and updates the session, step and phase
 * rows they describe, in one transaction: readers never see one without the
 * other. With a fence, the session row is locked first and a stale owner's
 * batch is refused (FencedError) before anything is written.
 */
export async function recordEvents(db: Db, sessionId: string, batch: NumberedEvent[], o: RecordOptions = {}): Promise<void> {
  if (batch.length === 0) return;
  if (isOutputOnly(batch)) return recordOutputBatch(db, sessionId, batch, o); // the streaming case, in one statement
  await db.transaction(async (tx) => {
    if (o.fence) await checkFence(tx, sessionId, o.fence);
    await tx.insert(events).values(
      batch.map(({ seq, event }) => ({
        sessionId,
        seq,
        type: event.type,
        step: 'step' in event ? event.step : null,
        phase: 'phase' in event ? event.phase : null,
        payload: event,
      })),
    );
    for (const { event } of batch) await project(tx, sessionId, event);
    await countLines(tx, sessionId, batch);
    const last = batch[batch.length - 1] as NumberedEvent;
    await tx.update(sessions).set({ lastSeq: last.seq, updatedAt: new Date() }).where(eq(sessions.id, sessionId));
    if (o.notifyOrigin !== undefined) {
      const payload = `${sessionId}:${(batch[0] as NumberedEvent).seq}:${last.seq}:${o.notifyOrigin}`;
      await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
    }
  });
}

async function checkFence(db: Db, sessionId: string, fence: Fence): Promise<void> {
  const rows = await db
    .select({ runnerId: sessions.runnerId, token: sessions.leaseToken })
    .from(sessions)
    .where(eq(sessions.id, sessionId))
    .for('update');
  const row = rows[0];
  if (!row || row.runnerId !== fence.runnerId || row.token !== fence.token) {
    throw new FencedError(`session ${sessionId} was taken over by another runner (lease ${fence.token} is stale): this runner stops writing`);
  }
}

/**
 * Adds the batch's output lines to their phase rows: one update per phase, not
 * per output event. Runs after the batch's other events, so a phase started in
 * this batch has its row.
 */
async function countLines(db: Db, sessionId: string, batch: NumberedEvent[]): Promise<void> {
  const perPhase = new Map<string, { step: number; phase: number; lines: number }>();
  for (const { event: e } of batch) {
    if (e.type !== 'output') continue;
    const key = `${e.step}/${e.phase}`;
    const entry = perPhase.get(key) ?? { step: e.step, phase: e.phase, lines: 0 };
    entry.lines += e.lines.length;
    perPhase.set(key, entry);
  }
  for (const { step, phase, lines } of perPhase.values()) {
    await db
      .update(phaseRuns)
      .set({ lineCount: sql`${phaseRuns.lineCount} + ${lines}` })
      .where(and(eq(phaseRuns.sessionId, sessionId), eq(phaseRuns.step, step), eq(phaseRuns.phase, phase)));
  }
}

async function project(db: Db, sessionId: string, e: EngineEvent): Promise<void> {
  switch (e.type) {
    case 'sessionStarted':
      await db
        .update(sessions)
        .set({ rangeSize: e.range.size, initialSuspect: e.suspect, revisionsLeft: e.revisionsLeft, stepsLeft: e.stepsLeft })
        .where(eq(sessions.id, sessionId));
      return;
    case 'stepStarted':
      await db.insert(steps).values({
        sessionId,
        step: e.step,
        commit: e.commit,
        position: e.position,
        revisionsLeft: e.revisionsLeft,
        stepsLeft: e.stepsLeft,
        kind: e.kind ?? 'bisect',
        expect: e.expect ?? null,
        slot: e.slot ?? null,
      });
      return;
    case 'phaseStarted':
      await db.insert(phaseRuns).values({ sessionId, step: e.step, phase: e.phase, name: e.name, kind: e.kind, on: e.on, status: 'running' });
      return;
    case 'output':
      return; // counted per phase for the whole batch: countLines

    case 'phaseFinished':
      await db
        .update(phaseRuns)
        .set({
          status: phaseStatus(e),
          outcome: e.outcome,
          exitCode: e.status.kind === 'exited' ? e.status.code : null,
          signal: e.status.kind === 'signaled' ? e.status.signal : null,
          reason: e.reason,
          ms: e.ms,
        })
        .where(and(eq(phaseRuns.sessionId, sessionId), eq(phaseRuns.step, e.step), eq(phaseRuns.phase, e.phase)));
      return;
    case 'stepFinished':
      await db
        .update(steps)
        .set({
          verdict: e.verdict,
          term: e.term,
          reason: e.reason,
          ms: e.ms,
          state: 'done',
          manual: e.manual ?? false,
          ...(e.suspect ? { suspect: e.suspect } : {}),
        })
        .where(and(eq(steps.sessionId, sessionId), eq(steps.step, e.step)));
      if (e.revisionsLeft !== undefined && e.stepsLeft !== undefined) {
        await db.update(sessions).set({ revisionsLeft: e.revisionsLeft, stepsLeft: e.stepsLeft }).where(eq(sessions.id, sessionId));
      }
      return;
    case 'stepInterrupted':
      await db
        .update(steps)
        .set({ state: 'interrupted', interruptedBy: e.reason })
        .where(and(eq(steps.sessionId, sessionId), eq(steps.step, e.step)));
      await db
        .update(phaseRuns)
        .set({ status: 'interrupted', reason: e.reason })
        .where(
          and(eq(phaseRuns.sessionId, sessionId), eq(phaseRuns.step, e.step), inArray(phaseRuns.status, ['running', 'cancelled'])),
        );
      return;
    case 'stepsSuperseded':
      if (e.steps.length > 0) {
        await db
          .update(steps)
          .set({ superseded: true })
          .where(and(eq(steps.sessionId, sessionId), inArray(steps.step, e.steps)));
      }
      return;
    case 'sessionPaused':
      await db
        .update(sessions)
        .set({ status: 'paused', error: e.reason ?? null })
        .where(eq(sessions.id, sessionId));
      // Only a pause with a reason (an infrastructure error) notifies; a person's pause does not.
      if (e.reason) await enqueueSessionDeliveries(db, sessionId, 'paused', e.reason);
      return;
    case 'sessionResumed':
      await db.update(sessions).set({ status: 'running', error: null }).where(eq(sessions.id, sessionId));
      return;
    case 'sessionReopened':
      await db
        .update(sessions)
        .set({ status: 'running', result: null, error: null, finishedAt: null })
        .where(eq(sessions.id, sessionId));
      return;
    case 'sessionFinished':
      await db
        .update(sessions)
        .set({ status: e.status, result: e.result, bisectLog: e.bisectLog, error: e.error, finishedAt: new Date() })
        .where(eq(sessions.id, sessionId));
      await enqueueSessionDeliveries(db, sessionId, e.status, e.error);
      return;
    case 'copyStarted':
      await recordCopyStarted(db, sessionId, e);
      return;
    case 'transferSample':
      await recordSamples(db, sessionId, e);
      return;
    case 'copyFinished':
      await recordCopyFinished(db, sessionId, e);
      return;
    case 'patchesApplied':
      await db
        .update(steps)
        .set({ patches: { applied: e.applied, contained: e.contained, ...(e.failed ? { failed: e.failed } : {}) } })
        .where(and(eq(steps.sessionId, sessionId), eq(steps.step, e.step)));
      return;
    case 'strategyUpdated':
      await db.update(sessions).set({ strategyView: e.view }).where(eq(sessions.id, sessionId));
      return;
    case 'log':
    case 'remoteLease':
    case 'stepConfig': // read back from the events table (db/queries/step-configs.ts)
    case 'buildCache':
    case 'culpritVerified':
      return;
    default:
      assertNever(e);
  }
}

function phaseStatus(e: Extract<EngineEvent, { type: 'phaseFinished' }>) {
  if (e.status.kind === 'timedOut') return 'timedOut' as const;
  if (e.status.kind === 'cancelled') return 'cancelled' as const;
  return e.outcome === 'pass' ? ('passed' as const) : ('failed' as const);
}

/** Events after `afterSeq`, oldest first, at most `limit`. */
export async function listEventsAfter(db: Db, sessionId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  return db
    .select()
    .from(events)
    .where(and(eq(events.sessionId, sessionId), gt(events.seq, afterSeq)))
    .orderBy(asc(events.seq))
    .limit(limit);
}

/** Output batches of one phase after `afterSeq`, for paging through a full log. */
export async function listPhaseOutput(
  db: Db,
  sessionId: string,
  step: number,
  phase: number,
  afterSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  return db
    .select()
    .from(events)
    .where(
      and(eq(events.sessionId, sessionId), eq(events.step, step), eq(events.phase, phase), eq(events.type, 'output'), gt(events.seq, afterSeq)),
    )
    .orderBy(asc(events.seq))
    .limit(limit);
}

/** A payload of one engine event type. */
type EventOfType<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

/** The payloads of a session's events of one type, oldest first; of one step when given. */
export async function listEventsOfType<T extends EngineEvent['type']>(db: Db, sessionId: string, type: T, step?: number): Promise<EventOfType<T>[]> {
  const rows = await db
    .select({ payload: events.payload })
    .from(events)
    .where(and(eq(events.sessionId, sessionId), eq(events.type, type), ...(step !== undefined ? [eq(events.step, step)] : [])))
    .orderBy(asc(events.seq));
  return rows.map((r) => r.payload).filter((e): e is EventOfType<T> => e.type === type);
}

/**
 * Remote process groups the session's runners recorded as running and never
 * as ended: what a runner taking the session over must kill first.
 */
export async function outstandingRemoteLeases(db: Db, sessionId: string): Promise<OrphanLease[]> {
  const open = new Map<string, OrphanLease>();
  for (const e of await listEventsOfType(db, sessionId, 'remoteLease')) {
    const key = `${e.step}/${e.phase}`;
    if (e.lease) open.set(key, { step: e.step, phase: e.phase, lease: e.lease });
    else open.delete(key);
  }
  return [...open.values()];
}
