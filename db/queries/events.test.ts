import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../server/engine/events';
import { dbKind, openTestDb } from '../../test/db';
import { insertTestSession, outputLines } from '../../test/sessions';
import type { DbHandle } from '../client';
import { listEventsAfter, recordEvents } from './events';
import { getSessionDetail } from './sessions';

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});

const commit = { sha: 'c'.repeat(40), subject: 's', author: 'a', authorEmail: 'a@b', date: '2024-01-01T00:00:00Z' };
const out = (phase: number, n: number): EngineEvent => ({
  type: 'output',
  step: 1,
  phase,
  stream: 'stdout',
  lines: Array.from({ length: n }, (_, i) => `p${phase} line ${i}`),
});

describe(`recording events (${dbKind()})`, () => {
  it('counts output lines per phase across batches, including a phase started in the same batch', async () => {
    const id = await insertTestSession(h.db, {
      phases: [
        { name: 'build', kind: 'script', run: 'make' },
        { name: 'test', kind: 'script', run: 'make test' },
      ],
    });
    let seq = 0;
    const rec = (...evs: EngineEvent[]) => recordEvents(h.db, id, evs.map((event) => ({ seq: ++seq, event })));
    await rec(
      { type: 'stepStarted', step: 1, commit, position: 3, revisionsLeft: 4, stepsLeft: 2 },
      { type: 'phaseStarted', step: 1, phase: 0, name: 'build', kind: 'script', on: 'local' },
      out(0, 2),
      out(0, 3),
      { type: 'phaseFinished', step: 1, phase: 0, status: { kind: 'exited', code: 0 }, outcome: 'pass', ms: 5, reason: '' },
      { type: 'phaseStarted', step: 1, phase: 1, name: 'test', kind: 'script', on: 'local' },
      out(1, 1),
    );
    await rec(out(1, 4), out(1, 2));
    const detail = await getSessionDetail(h.db, id);
    expect(detail?.steps[0]?.phases.map((p) => [p.name, p.lineCount])).toEqual([
      ['build', 5],
      ['test', 7],
    ]);
    // Every event is stored in order with its number, the output lines included.
    const stored = await listEventsAfter(h.db, id, 0, 100);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(outputLines(stored)).toHaveLength(12);
  });
});
