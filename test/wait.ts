/** Polling helpers for tests that watch real sessions, processes and servers. */

/** Calls `fn` every `intervalMs` until it returns something truthy, and returns that; fails after `ms` naming `what`. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 90_000, intervalMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface SessionState {
  session: { status: string };
  running?: boolean;
}

/** A session's detail once it has stopped running (done, failed, cancelled…; a paused one counts as running unless `pausedEnds`). */
export function finished<D extends SessionState>(byId: (id: string) => Promise<D>, id: string, o: { ms?: number; pausedEnds?: boolean } = {}): Promise<D> {
  const live = o.pausedEnds ? ['running'] : ['running', 'paused'];
  return until(`session ${id} to finish`, async () => {
    const d = await byId(id);
    return !live.includes(d.session.status) && !d.running && d;
  }, o.ms ?? 120_000, 100);
}
