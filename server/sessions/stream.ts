import { listEventsAfter } from '../../db/queries/events';
import { getSession } from '../../db/queries/sessions';
import type { StoredEvent } from '../../db/schema';
import { UserInputError } from '../engine/types';
import type { Runtime } from '../runtime';

/** Most events in one backfill page. */
const BACKFILL_PAGE = 200;
/**
 * Most log lines in one batch sent: a browser parses each batch in one go, and
 * 200 events of 1,000 lines (~8 MB of JSON) held its main thread for over 100 ms.
 */
const MAX_LINES_PER_BATCH_SENT = 20_000;

export interface EventBatch {
  lastSeq: number;
  /** `at`: when the event was stored, ms since the epoch (log lines show it as their timestamp; share streams leave it out). */
  events: Array<Pick<StoredEvent, 'seq' | 'payload'> & { at?: number }>;
}

/**
 * A session's events after `afterSeq`, resumable: subscribe to live events
 * first, backfill from the DB, then go live, dropping duplicates by sequence.
 * Ends when the session has finished and everything was sent.
 */
export async function* streamSessionEvents(rt: Runtime, id: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<EventBatch> {
  const sub = rt.bus.subscribe(id, signal);
  try {
    if (!(await getSession(rt.db.db, id))) throw new UserInputError(`no session ${id}`, 'id');
    let last = afterSeq;
    const backfill = async function* () {
      for (;;) {
        const rows = await listEventsAfter(rt.db.db, id, last, BACKFILL_PAGE);
        if (rows.length === 0) return;
        last = rows[rows.length - 1]?.seq ?? last;
        yield* toBatches(rows);
      }
    };
    yield* backfill();
    // The session row is read again only when the stream may be over, not on every live batch.
    if (await isFinishedAndSent(rt, id, last)) return;
    for (;;) {
      const next = await sub.next();
      if (next === 'aborted') return;
      if (next === 'overflow') {
        yield* backfill();
        if (await isFinishedAndSent(rt, id, last)) return;
        continue;
      }
      const fresh = next.filter((e) => e.seq > last);
      if (fresh.length === 0) continue;
      last = fresh[fresh.length - 1]?.seq ?? last;
      for (let i = 0; i < fresh.length; i += BACKFILL_PAGE) yield* toBatches(fresh.slice(i, i + BACKFILL_PAGE));
      if (fresh.some((e) => e.type === 'sessionFinished') && (await isFinishedAndSent(rt, id, last))) return;
    }
  } finally {
    sub.close();
  }
}

async function isFinishedAndSent(rt: Runtime, id: string, last: number): Promise<boolean> {
  const s = await getSession(rt.db.db, id);
  return !s || (s.status !== 'running' && s.status !== 'paused' && s.lastSeq <= last);
}

/** `rows` as batches of at most MAX_LINES_PER_BATCH_SENT output lines (an event is never split). */
function* toBatches(rows: StoredEvent[]): Generator<EventBatch> {
  let from = 0;
  let lines = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = (rows[i] as StoredEvent).payload;
    const n = p.type === 'output' ? p.lines.length : 0;
    if (lines + n > MAX_LINES_PER_BATCH_SENT && i > from) {
      yield toBatch(rows.slice(from, i));
      from = i;
      lines = 0;
    }
    lines += n;
  }
  if (from < rows.length) yield toBatch(from === 0 ? rows : rows.slice(from));
}

function toBatch(rows: StoredEvent[]): EventBatch {
  return { lastSeq: rows[rows.length - 1]?.seq ?? 0, events: rows.map((r) => ({ seq: r.seq, payload: r.payload, at: r.at.getTime() })) };
}
