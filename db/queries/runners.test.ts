import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertTestSession } from '../../test/sessions';
import { dbKind, openTestDb } from '../../test/db';
import type { DbHandle } from '../client';
import { FencedError, outstandingRemoteLeases, recordEvents } from './events';
import { claimSession, heartbeat, liveOwner, releaseSession, takeHostLease, releaseHostLease } from './runners';

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h.close();
});

const log = (seq: number) => [{ seq, event: { type: 'log' as const, level: 'info' as const, message: `line ${seq}` } }];

describe(`session leases and fencing (${dbKind()})`, () => {
  it('one live owner at a time; a taken-over owner cannot write, renew or release', async () => {
    const id = await insertTestSession(h.db, { phases: [{ name: 't', kind: 'script', run: 'true' }] });
    const a = await claimSession(h.db, id, 'runner-a', 60_000);
    expect(a).not.toBeNull();
    expect(await claimSession(h.db, id, 'runner-b', 60_000)).toBeNull(); // A's lease holds
    await recordEvents(h.db, id, log(1), { fence: a! });
    expect(await liveOwner(h.db, id)).toBe('runner-a');

    // A's lease lapses (it stopped heart-beating); B takes over with a higher token.
    const expired = await claimSession(h.db, id, 'runner-a', -1);
    expect(expired?.token).toBe(a!.token + 1);
    const b = await claimSession(h.db, id, 'runner-b', 60_000);
    expect(b?.token).toBe(a!.token + 2);
    await expect(recordEvents(h.db, id, log(2), { fence: expired! })).rejects.toBeInstanceOf(FencedError);
    await expect(recordEvents(h.db, id, log(2), { fence: a! })).rejects.toThrow(/taken over/);
    expect((await heartbeat(h.db, 'runner-a', new Map([[id, expired!.token]]), 60_000, 0)).has(id)).toBe(false);
    expect((await heartbeat(h.db, 'runner-b', new Map([[id, b!.token]]), 60_000, 1)).has(id)).toBe(true);
    await releaseSession(h.db, id, expired!); // stale: no effect
    expect(await liveOwner(h.db, id)).toBe('runner-b');
    await recordEvents(h.db, id, log(2), { fence: b! });
    await releaseSession(h.db, id, b!);
    expect(await liveOwner(h.db, id)).toBeNull();
  });

  it('a host runs one step at a time; an expired lease may be taken', async () => {
    const holder = { sessionId: 's1', step: 1, runnerId: 'runner-a' };
    expect(await takeHostLease(h.db, 'vm1', holder, 60_000)).toBe(true);
    expect(await takeHostLease(h.db, 'vm1', holder, 60_000)).toBe(true); // the same step again
    expect(await takeHostLease(h.db, 'vm1', { sessionId: 's2', step: 4, runnerId: 'runner-b' }, 60_000)).toBe(false);
    await releaseHostLease(h.db, 'vm1', holder);
    expect(await takeHostLease(h.db, 'vm1', { sessionId: 's2', step: 4, runnerId: 'runner-b' }, -1)).toBe(true);
    expect(await takeHostLease(h.db, 'vm1', holder, 60_000)).toBe(true); // s2's lease had expired
  });

  it('remote leases a runner recorded and never saw end are outstanding for the next one', async () => {
    const id = await insertTestSession(h.db, { phases: [{ name: 't', kind: 'script', run: 'true' }] });
    const lease = (pgid: number) => ({ executor: 'vm', pgid, sid: pgid });
    const batch = [
      { step: 1, phase: 0, lease: lease(100) },
      { step: 1, phase: 0, lease: null },
      { step: 2, phase: 1, lease: lease(200) },
      { step: 3, phase: 0, lease: lease(300) },
      { step: 3, phase: 0, lease: null },
    ].map((e, i) => ({ seq: i + 1, event: { type: 'remoteLease' as const, ...e } }));
    await recordEvents(h.db, id, batch);
    expect(await outstandingRemoteLeases(h.db, id)).toEqual([{ step: 2, phase: 1, lease: lease(200) }]);
  });
});
