import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind, openTestDb } from '../../test/db';
import { insertTestSession } from '../../test/sessions';
import type { DbHandle } from '../client';
import { recordEvents } from './events';
import { getSessionDetail } from './sessions';
import { listCopySamples } from './transfers';

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});

const newSession = () => insertTestSession(h.db, { phases: [{ name: 'copy', kind: 'transfer', on: 'guest', bytes: 100 }] });

const commit = { sha: 'c'.repeat(40), subject: 's', author: 'a', authorEmail: 'a@b', date: '2024-01-01T00:00:00Z' };

describe(`transfer copies in the database (${dbKind()})`, () => {
  it('projects copy events into rows with compact samples, listed by byId and sessions.samples', async () => {
    const id = await newSession();
    let seq = 0;
    const rec = (...evs: Parameters<typeof recordEvents>[2][number]['event'][]) =>
      recordEvents(
        h.db,
        id,
        evs.map((event) => ({ seq: ++seq, event })),
      );
    await rec(
      { type: 'stepStarted', step: 1, commit, position: 3, revisionsLeft: 4, stepsLeft: 2 },
      { type: 'phaseStarted', step: 1, phase: 0, name: 'copy', kind: 'transfer', on: 'guest' },
      { type: 'copyStarted', step: 1, phase: 0, copy: 1, copies: 2, payloadBytes: 3_000_000, stallSec: 20, copyTimeoutSec: 180 },
    );
    await rec({
      type: 'transferSample',
      step: 1,
      phase: 0,
      copy: 1,
      samples: [
        { t: 0.25, bytes: 1_000_000, rateMBps: 4 },
        { t: 0.5, bytes: 2_000_000, rateMBps: 4 },
      ],
    });
    // A running copy is listed as such, with what arrived so far.
    let d = await getSessionDetail(h.db, id);
    expect(d?.steps[0]?.phases[0]?.copies).toEqual([{ index: 1, bytes: 2_000_000, ms: null, meanMBps: null, outcome: 'running' }]);
    await rec(
      { type: 'transferSample', step: 1, phase: 0, copy: 1, samples: [{ t: 0.7, bytes: 3_000_000, rateMBps: 5 }] },
      {
        type: 'copyFinished',
        step: 1,
        phase: 0,
        copy: 1,
        copies: 2,
        bytes: 3_000_000,
        payloadBytes: 3_000_000,
        ms: 700,
        meanMBps: 4.29,
        minMBps: 4,
        maxMBps: 5,
        outcome: 'ok',
        detail: '',
      },
      { type: 'copyStarted', step: 1, phase: 0, copy: 2, copies: 2, payloadBytes: 3_000_000, stallSec: 20, copyTimeoutSec: 180 },
      { type: 'transferSample', step: 1, phase: 0, copy: 2, samples: [{ t: 0.25, bytes: 500_000, rateMBps: 2 }] },
      {
        type: 'copyFinished',
        step: 1,
        phase: 0,
        copy: 2,
        copies: 2,
        bytes: 500_000,
        payloadBytes: 3_000_000,
        ms: 20_250,
        meanMBps: 0.02,
        minMBps: 0,
        maxMBps: 2,
        outcome: 'stalled',
        detail: 'stalled at 488 KiB after 20 s without progress',
      },
    );
    d = await getSessionDetail(h.db, id);
    expect(d?.steps[0]?.phases[0]?.copies).toEqual([
      { index: 1, bytes: 3_000_000, ms: 700, meanMBps: 4.29, outcome: 'ok' },
      { index: 2, bytes: 500_000, ms: 20_250, meanMBps: 0.02, outcome: 'stalled' },
    ]);
    const copies = await listCopySamples(h.db, id, { step: 1, phase: 0 });
    expect(copies[0]?.samples).toEqual([
      { t: 0.25, bytes: 1_000_000, rateMBps: 4 },
      { t: 0.5, bytes: 2_000_000, rateMBps: 4 },
      { t: 0.7, bytes: 3_000_000, rateMBps: 5 },
    ]);
    expect(copies[1]).toMatchObject({ copy: 2, outcome: 'stalled', detail: 'stalled at 488 KiB after 20 s without progress', minMBps: 0, maxMBps: 2 });
    expect(await listCopySamples(h.db, id, { step: 2 })).toEqual([]);
    expect(await listCopySamples(h.db, id)).toHaveLength(2);
  });

  it('a copy started again under the same number starts afresh', async () => {
    const id = await newSession();
    const started = { type: 'copyStarted' as const, step: 1, phase: 0, copy: 1, copies: 1, payloadBytes: 10, stallSec: 1, copyTimeoutSec: 2 };
    await recordEvents(h.db, id, [
      { seq: 1, event: started },
      { seq: 2, event: { type: 'transferSample', step: 1, phase: 0, copy: 1, samples: [{ t: 0.25, bytes: 5, rateMBps: 0 }] } },
      { seq: 3, event: started },
    ]);
    const [c] = await listCopySamples(h.db, id);
    expect(c?.samples).toEqual([]);
    expect(c?.outcome).toBe('running');
  });
});
