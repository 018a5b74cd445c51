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

export function releaseLease(file: string): void {
  rmSync(file, { force: true });
}

/** Kills process groups left by a previous server for this session. */
export async function reapLeftovers(scratchDir: string, sessionId: string, report: (message: string) => Promise<void>): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(scratchDir)).filter((n) => n.startsWith('lease-local-'));
  } catch {
    return;
  }
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
