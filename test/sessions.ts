import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import { insertSession } from '../db/queries/sessions';
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
