import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestHost } from '../testing/sshd';
import { APP_TIMINGS, testTarget } from '../testing/test-hosts';
import { LocalExecutor } from './local';
import { reapLeftovers, reapOrphans, writeLease, writeRemoteLease, type OrphanLease, type RemoteLease } from './leases';
import { SshExecutor } from './ssh';

/**
 * A crashed server leaves processes running (locally and on hosts) and their
 * lease files behind; the restarted server kills exactly those groups.
 */
let host: TestHost;
let dir: string;
beforeAll(async () => {
  host = await startSshd();
  dir = await mkdtemp(path.join(os.tmpdir(), 'leases-'));
});
afterAll(async () => {
  await host?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Running (a killed child of this test process may linger as a zombie until it is reaped). */
function alive(pid: number): boolean {
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

/** Starts `sleep` as the leader of its own process group with a session's environment, as a phase would be. */
function orphan(session: string): number {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { ...process.env, BISECT_SESSION: session } });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start sleep');
  return child.pid;
}

describe('process-group leases', () => {
  it('kills local groups of this session only, and removes the leases', async () => {
    const mine = orphan('session-a');
    const theirs = orphan('session-b');
    await new Promise((r) => setTimeout(r, 100));
    expect([alive(mine), alive(theirs)]).toEqual([true, true]);
    writeLease(path.join(dir, 'lease-local-1-0'), mine);
    writeLease(path.join(dir, 'lease-local-2-0'), theirs);
    const reports: string[] = [];
    await reapLeftovers(dir, 'session-a', async (m) => void reports.push(m));
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(mine)).toBe(false);
    expect(alive(theirs)).toBe(true); // another session's (or a reused) pid is never touched
    process.kill(-theirs, 'SIGKILL');
    expect(reports.join('\n')).toContain(String(mine));
    expect(await readdir(dir)).toEqual([]);
  });

  it('kills a group a dead server left on a host, through the host executor', async () => {
    const target = testTarget(host, APP_TIMINGS);
    const executor = new SshExecutor(target, { name: 'vm-host' });
    try {
      // The "test host" is this machine: a group started for session-c stands for the remote leftover.
      const pgid = orphan('session-c');
      await new Promise((r) => setTimeout(r, 100));
      expect(alive(pgid)).toBe(true);
      writeRemoteLease(path.join(dir, 'lease-remote-3-1'), { executor: 'vm-host', pgid, sid: pgid });
      const reports: string[] = [];
      await reapLeftovers(dir, 'session-c', async (m) => void reports.push(m), (name) => (name === 'vm-host' ? executor : null));
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(pgid)).toBe(false);
      expect(reports.join('\n')).toContain('vm-host');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      executor.close();
    }
  });

  it('kills a group another runner recorded in the session log (no lease file on this machine)', async () => {
    const executor = new SshExecutor(testTarget(host, APP_TIMINGS), { name: 'vm-host' });
    try {
      const pgid = orphan('session-d');
      const theirs = orphan('session-e');
      await new Promise((r) => setTimeout(r, 100));
      const orphans: OrphanLease[] = [
        { step: 4, phase: 1, lease: { executor: 'vm-host', pgid, sid: pgid } },
        { step: 5, phase: 0, lease: { executor: 'vm-host', pgid: theirs, sid: theirs } }, // not this session's: kept
      ];
      const done: number[] = [];
      await reapOrphans(orphans, 'session-d', async () => undefined, (name) => (name === 'vm-host' ? executor : null), async (o) => void done.push(o.step));
      await new Promise((r) => setTimeout(r, 200));
      expect(alive(pgid)).toBe(false);
      expect(alive(theirs)).toBe(true);
      process.kill(-theirs, 'SIGKILL');
      expect(done).toEqual([4, 5]);
    } finally {
      executor.close();
    }
  });

  it('a remote command reports its process group while it runs, and its end', async () => {
    const executor = new SshExecutor(testTarget(host, APP_TIMINGS), { name: 'vm-host' });
    try {
      const seen: Array<RemoteLease | null> = [];
      const events = executor.run({ argv: ['bash', '-c', 'sleep 0.2'], timeoutMs: 10_000, onRemoteLease: (l) => seen.push(l) }, new AbortController().signal);
      for await (const _ of events);
      expect(seen).toHaveLength(2);
      expect(seen[0]).toMatchObject({ executor: 'vm-host', pgid: expect.any(Number) });
      expect(seen[1]).toBeNull();
    } finally {
      executor.close();
    }
  });

  it('a running local command holds a lease until it ends', async () => {
    const lease = path.join(dir, 'lease-local-9-9');
    const events = new LocalExecutor().run({ argv: ['bash', '-c', 'sleep 0.3'], timeoutMs: 5000, leaseFile: lease }, new AbortController().signal);
    const it = events[Symbol.asyncIterator]();
    const first = it.next();
    await new Promise((r) => setTimeout(r, 100));
    expect(await readdir(dir)).toContain('lease-local-9-9');
    await first;
    for (let r = await it.next(); !r.done; r = await it.next());
    expect(await readdir(dir)).not.toContain('lease-local-9-9');
  });
});
