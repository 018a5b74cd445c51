import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { events, type StoredEvent } from '../schema';

/**
 * Finished copies of a session's transfer phases, as their `copyFinished`
 * events recorded them (summary per copy: bytes, ms, MB/s, outcome), in order.
 * Empty for sessions without transfers.
 */
export async function listFinishedCopyEvents(db: Db, sessionId: string): Promise<StoredEvent[]> {
  return db
    .select()
    .from(events)
    .where(and(eq(events.sessionId, sessionId), eq(events.type, 'copyFinished' as string as StoredEvent['type'])))
    .orderBy(asc(events.seq));
}
