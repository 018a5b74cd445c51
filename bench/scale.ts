/**
 * Scale-out benchmark: 20 concurrent sessions (a fast script on a 200-commit
 * repository) on one PostgreSQL, run by 1, 2 and 4 runner processes while the
 * web runtime (in this process) runs no engine, against one in-process runner
 * measured in the same run. Prints sessions per minute and the p50/p99
 * latency of events from the runner's commit to a subscriber of the web
 * process, as ratios against the in-process baseline.
 *
 *   scripts/pg-temp.sh npx tsx bench/scale.ts [--sessions 20] [--per-runner 5]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createCallerFactory } from '../server/api/trpc';
import { appRouter } from '../server/api/root';
import { generateRepo } from '../server/engine/testing/repo';
import { bugScript, makeTempDir, removeDir } from '../server/engine/testing/scripts';
import { createRuntime, type Runtime } from '../server/runtime';
import { streamSessionEvents } from '../server/sessions/stream';
import { TEST_PRINCIPAL } from '../test/auth';
import { openTestDb } from '../test/db';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const SESSIONS = arg('sessions', 20);
const PER_RUNNER = arg('per-runner', 5);
const RUNNERS = process.argv.includes('--runners') ? [arg('runners', 1)] : [1, 2, 4];

interface Figures {
  label: string;
  perMin: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  if (!process.env.TEST_DATABASE_URL) throw new Error('run under scripts/pg-temp.sh (needs TEST_DATABASE_URL)');
  const tmp = await makeTempDir('bench-scale-');
  try {
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 200, culprit: 137, tags: { v1: 0 } });
    const bug = await bugScript(tmp);
    const recipe = { phases: [{ name: 'test', kind: 'script' as const, run: `sleep 0.05; exec ${bug}` }] };
    const results: Figures[] = [];
    results.push(await measure('1 in-process runner', tmp, repo.dir, recipe, 0));
    for (const n of RUNNERS) results.push(await measure(`${n} runner process${n === 1 ? '' : 'es'}`, tmp, repo.dir, recipe, n));
    const base = results[0] as Figures;
    console.log(`\n${SESSIONS} sessions, at most ${PER_RUNNER} per runner, ${base.label} as baseline`);
    for (const r of results) {
      console.log(
        `${r.label.padEnd(22)} ${r.perMin.toFixed(1).padStart(6)} sessions/min (${(r.perMin / base.perMin).toFixed(2)}x)  ` +
          `event latency p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms (${(r.p99 / Math.max(1, base.p99)).toFixed(2)}x)`,
      );
    }
  } finally {
    await removeDir(tmp);
  }
}

/** Runs the sessions with `runners` runner processes (0: the engine in this process) and watches every stream. */
async function measure(label: string, tmp: string, repoPath: string, recipe: unknown, runners: number): Promise<Figures> {
  const handle = await openTestDb();
  const dir = path.join(tmp, `${runners}-${Date.now()}`);
  const rt: Runtime = await createRuntime({
    config: { port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'web'), databaseUrl: handle.url, engine: runners === 0, maxSessions: PER_RUNNER },
    db: handle,
  });
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < runners; i++) children.push(await startRunner(path.join(dir, `runner-${i}`), handle.url as string));
    const api = createCallerFactory(appRouter)({ runtime: rt, principal: TEST_PRINCIPAL });
    const latencies: number[] = [];
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      ids.push((await api.sessions.create({ repoPath, bad: 'main', good: ['v1'], checkEndpoints: false, recipe, title: `scale ${i}` })).id);
    }
    await Promise.all(ids.map((id) => watch(rt, id, latencies)));
    const minutes = (performance.now() - started) / 60_000;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    const f = { label, perMin: SESSIONS / minutes, p50: q(0.5), p99: q(0.99) };
    console.log(`${label}: ${f.perMin.toFixed(1)} sessions/min, ${latencies.length} events, p99 ${f.p99.toFixed(0)} ms`);
    return f;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await rt.shutdown();
    await handle.close();
  }
}

/** Reads a session's stream to its end, noting how long each event took from its commit to here. */
async function watch(rt: Runtime, id: string, latencies: number[]): Promise<void> {
  const { getSession } = await import('../db/queries/sessions');
  const { listEventsAfter } = await import('../db/queries/events');
  const abort = new AbortController();
  const at = new Map<number, number>();
  for await (const batch of streamSessionEvents(rt, id, 0, abort.signal)) {
    const now = Date.now();
    const missing = batch.events.filter((e) => !at.has(e.seq));
    if (missing.length > 0) {
      const rows = await listEventsAfter(rt.db.db, id, (missing[0]?.seq ?? 1) - 1, missing.length);
      for (const r of rows) at.set(r.seq, r.at.getTime());
    }
    for (const e of batch.events) {
      const t = at.get(e.seq);
      if (t !== undefined) latencies.push(now - t);
    }
    const s = await getSession(rt.db.db, id);
    if (s && s.status !== 'running' && s.lastSeq <= batch.lastSeq) break;
  }
  abort.abort();
}

function startRunner(dataDir: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/runner.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: url, RUNNER_SESSIONS: String(PER_RUNNER), RUNNER_LEASE_SEC: '10' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('runner: ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`runner exited (${code}): ${out}`)));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
