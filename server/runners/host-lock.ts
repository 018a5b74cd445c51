import type { Db } from '../../db/client';
import { hostLeaseHolder, releaseHostLease, takeHostLease } from '../../db/queries/runners';
import type { HostLock } from '../engine/bisect/session';

export interface HostLockOptions {
  db: Db;
  runnerId: string;
  leaseMs: number;
  /** How often a step waiting for a busy host asks again. */
  pollMs?: number;
  /** Told once per wait, e.g. into the session log. */
  onWait?: (message: string) => void;
}

/**
 * Host leases in the database: a host runs at most one step at a time across
 * all runners. A step takes every host it uses (in name order, so two steps
 * never hold one each of the other's) and waits while one is held; the
 * runner's heartbeat renews its leases, and a dead runner's lapse.
 */
export function dbHostLock(o: HostLockOptions): HostLock {
  return async (hosts, holder, signal) => {
    const taken: string[] = [];
    const release = async () => {
      for (const h of taken) await releaseHostLease(o.db, h, holder);
    };
    try {
      for (const host of [...hosts].sort()) {
        let told = false;
        while (!(await takeHostLease(o.db, host, { ...holder, runnerId: o.runnerId }, o.leaseMs))) {
          if (signal.aborted) throw new Error('cancelled while waiting for a host');
          if (!told) {
            const other = await hostLeaseHolder(o.db, host);
            o.onWait?.(`waiting for host ${host}: step ${other?.step ?? '?'} of session ${other?.sessionId ?? '?'} uses it`);
            told = true;
          }
          await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
        }
        taken.push(host);
      }
    } catch (error) {
      await release();
      throw error;
    }
    return release;
  };
}
