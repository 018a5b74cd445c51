import { rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Process-group leases: while a local command runs, its process group id sits
 * in a lease file in the session's scratch directory. A server that was killed
 * (SIGKILL, power loss) leaves both the processes and the lease behind; the
 * restarted server kills those groups before the step runs again, so the new
 * attempt starts from a clean state.
 */
export function writeLease(file: string, pgid: number): void {
  try {
    writeFileSync(file, String(pgid));
  } catch {
    // a missing scratch dir only costs the crash clean-up
  }
}

/** What a remote lease records: which executor (host) ran the group, and the group. */
export interface RemoteLease {
  executor: string;
  pgid: number;
  sid: number;
}

export function writeRemoteLease(file: string, lease: RemoteLease): void {
  try {
    writeFileSync(file, JSON.stringify(lease));
  } catch {
    // a missing scratch dir only costs the crash clean-up
  }
}

/** Executors that can kill a group a previous server left on their host. */
export interface GroupReaper {
  reapGroup(lease: RemoteLease, sessionId: string): Promise<boolean>;
}

export function releaseLease(file: string): void {
  rmSync(file, { force: true });
}

/** A remote lease recorded in a session's event log (by this runner or one on another machine). */
export interface OrphanLease {
  step: number;
  phase: number;
  lease: RemoteLease;
}

/**
 * Kills remote process groups a previous runner (possibly on another machine)
 * recorded in the session's log and never saw end; `done` is told about each
 * one tried, so it is not tried again.
 */
export async function reapOrphans(
  orphans: readonly OrphanLease[],
  sessionId: string,
  report: (message: string) => Promise<void>,
  reaperFor: (executor: string) => GroupReaper | null,
  done: (o: OrphanLease) => Promise<void>,
): Promise<void> {
  for (const o of orphans) {
    try {
      if (await reaperFor(o.lease.executor)?.reapGroup(o.lease, sessionId)) {
        await report(`killed process group ${o.lease.pgid} on ${o.lease.executor} left running by the previous runner (step ${o.step})`);
      }
    } catch (error) {
      await report(`could not clean up a command the previous runner left on ${o.lease.executor}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await done(o);
  }
}

/** Kills process groups left by a previous server for this session, locally and on hosts. */
export async function reapLeftovers(
  scratchDir: string,
  sessionId: string,
  report: (message: string) => Promise<void>,
  reaperFor: (executor: string) => GroupReaper | null = () => null,
): Promise<void> {
  let all: string[];
  try {
    all = await readdir(scratchDir);
  } catch {
    return;
  }
  for (const name of all.filter((n) => n.startsWith('lease-remote-'))) {
    const file = path.join(scratchDir, name);
    try {
      const lease = JSON.parse(await readFile(file, 'utf8')) as RemoteLease;
      if (await reaperFor(lease.executor)?.reapGroup(lease, sessionId)) {
        await report(`killed process group ${lease.pgid} on ${lease.executor} left running by the previous server`);
      }
    } catch (error) {
      await report(`could not clean up a command the previous server left on a host: ${error instanceof Error ? error.message : String(error)}`);
    }
    releaseLease(file);
  }
  const names = all.filter((n) => n.startsWith('lease-local-'));
  for (const name of names) {
    const file = path.join(scratchDir, name);
    const pgid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pgid) && pgid > 1 && (await belongsToSession(pgid, sessionId))) {
      try {
        process.kill(-pgid, 'SIGKILL');
        await report(`killed process group ${pgid} left running by the previous server (${name.replace('lease-local-', 'step-phase ')})`);
      } catch {
        // already gone
      }
    }
    releaseLease(file);
  }
}

/** Guards against pid reuse: the group leader must carry this session's environment. */
async function belongsToSession(pgid: number, sessionId: string): Promise<boolean> {
  try {
    const env = await readFile(`/proc/${pgid}/environ`, 'utf8');
    return env.split('\0').includes(`BISECT_SESSION=${sessionId}`);
  } catch {
    return false;
  }
}
