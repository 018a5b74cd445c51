import type { Db } from '../../db/client';
import { claimableSessions, finishControl, heartbeat, markRunnerStopped, pendingControls, runningStepCount, upsertRunner } from '../../db/queries/runners';
import { isUserInputError } from '../engine/types';
import type { SessionService } from '../sessions/service';
import { canServe, sessionHosts } from './tags';

export interface RunnerLoopOptions {
  db: Db;
  sessions: SessionService;
  id: string;
  name: string;
  tags: string[];
  leaseMs: number;
  /** How often it looks for sessions to take and controls to carry out (default 1 s). */
  pollMs?: number;
  /** Most sessions it runs at once (default: no limit); the rest wait for this or another runner. */
  maxSessions?: number;
}

/**
 * A runner's duties besides running sessions: heartbeat (renewing its claims,
 * stopping any session another runner took over), claiming running sessions
 * nobody holds that it can serve, and carrying out controls sent to it.
 * The same loop serves the web server's own engine and `npm run runner`.
 */
export class RunnerLoop {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastBeat = 0;
  private stopped = false;

  constructor(private readonly o: RunnerLoopOptions) {}

  async start(): Promise<void> {
    await upsertRunner(this.o.db, { id: this.o.id, name: this.o.name, tags: this.o.tags });
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.o.pollMs ?? 1000);
  }

  /** Stops looking for work; the caller shuts the sessions down (their claims are given back). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }

  async markStopped(): Promise<void> {
    await markRunnerStopped(this.o.db, this.o.id).catch(() => undefined);
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = this.work()
      .catch((error: unknown) => console.error(`runner ${this.o.name}:`, error))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async work(): Promise<void> {
    if (Date.now() - this.lastBeat >= this.o.leaseMs / 3) await this.beat();
    await this.claim();
    await this.carryOutControls();
  }

  private async beat(): Promise<void> {
    const owned = this.o.sessions.ownedLeases();
    const slots = await runningStepCount(this.o.db, this.o.id);
    const kept = await heartbeat(this.o.db, this.o.id, owned, this.o.leaseMs, slots);
    this.lastBeat = Date.now();
    const now = this.o.sessions.ownedLeases();
    for (const [id, token] of owned) {
      // A session that ended meanwhile gave its claim back itself; only one still running here under that claim was lost.
      if (!kept.has(id) && now.get(id) === token) {
        console.error(`runner ${this.o.name}: session ${id} was taken over by another runner; stopping it here`);
        this.o.sessions.lostLease(id);
      }
    }
  }

  private async claim(): Promise<void> {
    for (const s of await claimableSessions(this.o.db, this.o.id)) {
      if (this.stopped || this.o.sessions.isRunning(s.id)) continue;
      if (this.o.sessions.runningCount() >= (this.o.maxSessions ?? Infinity)) return;
      if (!canServe(this.o.tags, { repoPath: s.repoPath, hosts: sessionHosts(s.recipe, s.slots) })) continue;
      await this.o.sessions.startClaimable(s.id).catch((e: unknown) => console.error(`cannot start session ${s.id}:`, e));
    }
  }

  private async carryOutControls(): Promise<void> {
    for (const c of await pendingControls(this.o.db, this.o.id)) {
      try {
        const result = await this.o.sessions.execute(c.kind, c.sessionId, c.input);
        await finishControl(this.o.db, c.id, { result });
      } catch (error) {
        const message = isUserInputError(error) ? error.message : `the runner could not carry it out: ${error instanceof Error ? error.message : String(error)}`;
        await finishControl(this.o.db, c.id, { error: message });
      }
    }
  }
}
