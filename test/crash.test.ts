/**
 * Crash test: a real runner process (the same runtime the web server hosts)
 * bisects a real repository and is killed with SIGKILL at many moments, then
 * restarted. Afterwards: the culprit equals `git bisect run`'s, each tested
 * commit's verdict counts once, and no event stored before a crash was lost.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type DbHandle } from '../db/client';
import { listEventsAfter } from '../db/queries/events';
import { getSessionDetail, insertSession } from '../db/queries/sessions';
import { validateBisectRequest } from '../server/engine/bisect/validate';
import { generateRepo, gitBisectRun } from '../server/engine/testing/repo';
import { bugScript, makeTempDir, removeDir } from '../server/engine/testing/scripts';
import { dbKind, openTestDb } from './db';
import { spawnRunner } from './runner-process';

const KILLS = Number(process.env.CRASH_KILLS ?? 8);
const SESSION = '11111111-2222-4333-8444-555555555555';
const LINES = 60;

let tmp: string;
let dataDir: string;
let databaseUrl: string | undefined;
let pgHandle: (DbHandle & { url?: string }) | null = null;

/** PGlite allows one process at a time: the test opens it only while the runner is dead. */
async function withDb<T>(fn: (db: DbHandle) => Promise<T>): Promise<T> {
  if (pgHandle) return fn(pgHandle);
  const h = await openDb({ dataDir });
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

function startRunner(exitWhenIdle: boolean): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const { child, ready } = spawnRunner({ env: { DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '' }, args: exitWhenIdle ? ['--exit-when-idle'] : [] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

type Snapshot = Map<number, string>;
async function snapshot(session: string): Promise<Snapshot> {
  return withDb(async (h) => {
    const all: Snapshot = new Map();
    for (let after = 0; ; ) {
      const rows = await listEventsAfter(h.db, session, after, 1000);
      if (rows.length === 0) return all;
      for (const r of rows) all.set(r.seq, JSON.stringify(r.payload));
      after = rows[rows.length - 1]?.seq ?? after;
    }
  });
}

beforeAll(async () => {
  tmp = await makeTempDir('crash-');
  dataDir = path.join(tmp, 'data');
  if (process.env.TEST_DATABASE_URL) {
    pgHandle = await openTestDb();
    databaseUrl = pgHandle.url;
  }
});
afterAll(async () => {
  await pgHandle?.close();
  await removeDir(tmp);
});

interface CrashCase {
  name: string;
  kills: number;
  session: string;
  repo: { commits: number; mergeEvery: number; culprit: number; unbuildable: number[] };
  strategy?: { kind: 'bayes'; confidence: number };
  slots?: Array<Record<string, string>>;
  /** The test phase's verdict line: a plain bug check, or a reproducer that fails only some runs. */
  verdict: string;
}

const CASES: CrashCase[] = [
  {
    name: 'exact (git) mode',
    kills: KILLS,
    session: SESSION,
    repo: { commits: 400, mergeEvery: 5, culprit: 271, unbuildable: [100, 300] },
    verdict: 'test ! -e BUG',
  },
  {
    name: 'flaky mode on two slots',
    kills: Math.min(4, KILLS),
    session: '11111111-2222-4333-8444-666666666666',
    repo: { commits: 80, mergeEvery: 4, culprit: 51, unbuildable: [30] },
    strategy: { kind: 'bayes', confidence: 0.95 },
    slots: [{}, {}],
    // Fails half the runs on commits with the bug; the coin is a hash of commit and step.
    verdict: `if test -e BUG; then h=$(printf '%s-%s' "$BISECT_COMMIT" "$BISECT_STEP" | cksum | cut -d' ' -f1); [ $((h % 2)) -eq 0 ]; fi`,
  },
];

describe(`crash and restart (${dbKind()})`, () => {
  it.each(CASES)('$name survives SIGKILLs at random moments', { timeout: 600_000 }, async (c) => {
    const repo = await generateRepo({ dir: path.join(tmp, `repo-${c.session}`), ...c.repo, tags: { v1: 0 } });
    const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['v1'], script: await bugScript(tmp) });
    const request = await validateBisectRequest({ repoPath: repo.dir, bad: 'main', good: ['v1'] });
    const recipe = {
      phases: [
        { name: 'build', kind: 'script' as const, per: 'commit' as const, run: 'sleep 0.1; test ! -e BROKEN', onFailure: 'skip' as const },
        { name: 'test', kind: 'script' as const, run: `for i in $(seq 1 ${LINES}); do echo "$BISECT_SHORT line $i"; done; sleep 0.15; ${c.verdict}` },
      ],
    };
    await withDb((h) =>
      insertSession(h.db, {
        id: c.session,
        status: 'running',
        title: `crash test: ${c.name}`,
        repoPath: request.repoPath,
        bad: 'main',
        good: ['v1'],
        badSha: request.badSha,
        goodShas: request.goodShas,
        recipe,
        ...(c.strategy ? { strategy: c.strategy } : {}),
        ...(c.slots ? { slots: c.slots } : {}),
      }),
    );

    let seen: Snapshot = new Map();
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let kill = 0; kill < c.kills; kill++) {
      const runner = startRunner(false);
      await runner.ready;
      await new Promise((r) => setTimeout(r, 150 + random() * 1300));
      runner.child.kill('SIGKILL');
      await runner.exited;
      const now = await snapshot(c.session);
      for (const [seq, payload] of seen) expect(now.get(seq), `event ${seq} stored before crash ${kill} is gone or changed`).toBe(payload);
      seen = now;
    }

    const last = startRunner(true);
    await last.ready;
    await Promise.race([last.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('runner did not finish')), 240_000))]);

    const final = await snapshot(c.session);
    for (const [seq, payload] of seen) expect(final.get(seq)).toBe(payload);
    const seqs = [...final.keys()].sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));

    await withDb(async (h) => {
      const d = await getSessionDetail(h.db, c.session);
      if (!d) throw new Error('session missing');
      expect(d.session.status).toBe('done');
      const result = d.session.result;
      if (c.strategy) {
        // Flaky mode: the planted culprit, with the stated confidence; every stored run counted exactly once.
        expect(result?.kind === 'culprit' && result.commit.sha).toBe(repo.culpritSha);
        expect(result?.kind === 'culprit' && (result.probability ?? 0)).toBeGreaterThanOrEqual(c.strategy.confidence);
        const counted = d.steps.filter((s) => s.state === 'done' && !s.superseded && s.verdict !== null);
        expect(d.session.strategyView?.runs).toBe(counted.length);
      } else {
        expect(result?.kind === 'culprit' && result.commit.sha).toBe(git.firstBad);
        const counted = d.steps.filter((s) => s.kind === 'bisect' && s.state === 'done' && !s.superseded).map((s) => s.commit.sha);
        expect(new Set(counted).size).toBe(counted.length);
      }
      const interrupted = d.steps.filter((s) => s.state === 'interrupted');
      expect(interrupted.length).toBeGreaterThan(0);
      // Every finished test phase has all its lines, in order.
      for (const step of d.steps.filter((s) => s.state === 'done')) {
        const test = step.phases.find((p) => p.name === 'test');
        if (!test || test.status === 'interrupted') continue;
        const lines = [...final.values()]
          .map((p) => JSON.parse(p) as { type: string; step?: number; phase?: number; lines?: string[] })
          .filter((e) => e.type === 'output' && e.step === step.step && e.phase === test.phase)
          .flatMap((e) => e.lines ?? []);
        expect(lines).toEqual(Array.from({ length: LINES }, (_, i) => `${step.commit.sha.slice(0, 12)} line ${i + 1}`));
      }
    });
  });
});
