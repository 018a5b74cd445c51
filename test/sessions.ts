import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import { getSessionDetail, insertSession, type SessionDetail } from '../db/queries/sessions';
import type { StoredEvent } from '../db/schema';
import type { RecipeInput } from '../server/engine/recipe';

/** A running session row with placeholder refs, for tests that record events into it. Returns its id. */
export async function insertTestSession(db: Db, recipe: RecipeInput): Promise<string> {
  const id = randomUUID();
  await insertSession(db, {
    id,
    status: 'running',
    title: 't',
    repoPath: '/r',
    bad: 'main',
    good: ['v1'],
    badSha: 'b'.repeat(40),
    goodShas: ['a'.repeat(40)],
    recipe,
  });
  return id;
}

/** A session's detail read from the database once it has stopped running (null: no such session). */
export async function settledSession(db: Db, id: string): Promise<SessionDetail | null> {
  for (;;) {
    const detail = await getSessionDetail(db, id);
    if (detail?.session.status !== 'running') return detail;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The output lines of stored events, in order (what a phase's log shows). */
export function outputLines(events: Array<Pick<StoredEvent, 'payload'>>): string[] {
  return events.flatMap((e) => (e.payload.type === 'output' ? e.payload.lines : []));
}
