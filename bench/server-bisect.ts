/**
 * bench/server-bisect: a bisect through the running server (the built app:
 * sessions.create over HTTP, the engine, the database) against `git bisect
 * run` on the same repository (10,000 commits, 5,000 files) with the same
 * test script, in one run, alternating rounds. Prints each time, the ratio of
 * medians (server / git) against the 1.10x target, and where each server step
 * spends its time besides the script.
 *
 *   npx tsx bench/server-bisect.ts [--rounds 3] [--work-ms 100] [--port 3272]
 *
 * Like with like: each round, each side starts from a repository with no
 * worktree for it yet and pays for writing one. The server's session makes its
 * `git worktree add` (no parked worktree: every round bisects its own mirror
 * clone, made untimed); git's side is timed from its own `git worktree add`
 * of the bad commit to the end of `git bisect run` / `log` / `reset` in it.
 * The server is timed from sessions.create to its event stream (read as the
 * page reads it) sending sessionFinished. Endpoint checks
 * and culprit verification are off (`git bisect run` does neither).
 * Runs the built app (`npx next build` first; NEXT_DIST_DIR picks the build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateRepo, git, gitBisectRun, gitOk } from '../server/engine/testing/repo';
import { makeTempDir, removeDir, writeScript } from '../server/engine/testing/scripts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'work-ms': { type: 'string', default: '100' },
    port: { type: 'string', default: '3272' },
  },
});
const ROUNDS = Number(values.rounds);
const WORK_MS = Number(values['work-ms']);
const PORT = Number(values.port);
const PASSWORD = 'bench password';
let authHeaders: Record<string, string> = {};
const base = `http://127.0.0.1:${PORT}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function startServer(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, DASHBOARD_PASSWORD: PASSWORD, NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? '.next' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A signed-in tRPC client over HTTP: `call('sessions.create', input)`. */
async function signIn(): Promise<(proc: string, input: unknown, method?: 'GET' | 'POST') => Promise<unknown>> {
  for (const end = Date.now() + 60_000; ; ) {
    try {
      if ((await fetch(`${base}/signin`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const headers: Record<string, string> = { origin: base, 'content-type': 'application/json' };
  const res = await fetch(`${base}/api/trpc/auth.signIn`, { method: 'POST', headers, body: JSON.stringify({ json: { password: PASSWORD } }) });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  headers.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  authHeaders = headers;
  return async (proc, input, method = 'POST') => {
    const payload = JSON.stringify({ json: input });
    const r =
      method === 'GET'
        ? await fetch(`${base}/api/trpc/${proc}?input=${encodeURIComponent(payload)}`, { headers })
        : await fetch(`${base}/api/trpc/${proc}`, { method, headers, body: payload });
    const body = (await r.json()) as { result?: { data: { json: unknown } }; error?: unknown };
    if (!body.result) throw new Error(`${proc}: ${JSON.stringify(body.error)}`);
    return body.result.data.json;
  };
}

/**
 * Reads the session's live event stream (as the page does) until it sends
 * sessionFinished; returns when sessionStarted was stored (ms since the epoch).
 * No polling: the stream is the server's own notification.
 */
async function untilFinished(id: string): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ json: { id } }));
  const res = await fetch(`${base}/api/trpc/sessions.events?input=${input}`, { headers: { ...authHeaders, accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`sessions.events: ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  let startedAt = NaN;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the event stream of ${id} ended before sessionFinished`);
    text += decoder.decode(value, { stream: true });
    const m = /"type":"sessionStarted"[^]*?"at":(\d+)|"at":(\d+)[^{}]*?,"payload":\{"type":"sessionStarted"/.exec(text);
    if (m && Number.isNaN(startedAt)) startedAt = Number(m[1] ?? m[2]);
    if (text.includes('"type":"sessionFinished"')) break;
    if (text.length > 1_000_000) text = text.slice(-100_000);
  }
  await reader.cancel().catch(() => undefined);
  return startedAt;
}

interface Detail {
  session: { status: string; result: { kind: string; commit?: { sha: string } } | null; createdAt: string; finishedAt: string | null };
  steps: Array<{ step: number; startedAt: string; ms: number | null; phases: Array<{ ms: number | null }> }>;
}

/** Where a server session's time went: setup before step 1, per step besides the script, and after the last step. */
function breakdown(d: Detail, createdAtMs: number, doneAtMs: number): string {
  const steps = [...d.steps].sort((a, b) => a.step - b.step);
  const first = steps[0];
  if (!first) return 'no steps';
  const starts = steps.map((s) => Date.parse(s.startedAt));
  const script = steps.map((s) => s.phases.reduce((t, p) => t + (p.ms ?? 0), 0));
  const gaps = steps.slice(1).map((_, i) => (starts[i + 1] as number) - (starts[i] as number) - (script[i] as number));
  const last = steps.length - 1;
  const tail = doneAtMs - (starts[last] as number) - (script[last] as number);
  return (
    `setup to step 1 ${(starts[0] as number) - createdAtMs} ms; per step besides the script median ${median(gaps).toFixed(0)} ms ` +
    `(max ${Math.max(...gaps)} ms, ${steps.length} steps, script ${median(script).toFixed(0)} ms); last step to done ${tail} ms`
  );
}

async function main() {
  const tmp = await makeTempDir('bench-server-bisect-');
  let server: ChildProcess | undefined;
  try {
    const t0 = Date.now();
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 10_000, files: 5_000, mergeEvery: 6, culprit: 6_543, tags: { good: 0 } });
    console.log(`generated 10,000 commits / 5,000 files in ${Date.now() - t0} ms; test script sleeps ${WORK_MS} ms`);
    const sleep = WORK_MS > 0 ? `sleep ${WORK_MS / 1000}\n` : '';
    const script = await writeScript(tmp, 'test.sh', `${sleep}cat Makefile file-0001 >/dev/null 2>&1; test ! -e BUG`);
    server = startServer(path.join(tmp, 'data'));
    const call = await signIn();

    const gitTimes: number[] = [];
    const serverTimes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // git: its own worktree of the bad commit, then git bisect run there.
      const gitRepo = path.join(tmp, `git${r}`);
      await gitOk(tmp, ['clone', '-q', '--no-checkout', repo.dir, gitRepo]);
      let t = performance.now();
      const wt = path.join(tmp, `git${r}-wt`);
      await gitOk(gitRepo, ['worktree', 'add', '-q', '--detach', wt, 'main']);
      const worktreeMs = performance.now() - t;
      const g = await gitBisectRun(wt, { bad: 'main', good: ['good'], script });
      gitTimes.push(performance.now() - t);
      if (g.firstBad !== repo.culpritSha) throw new Error(`git bisect run found ${g.firstBad}, not the culprit`);
      await git(gitRepo, ['worktree', 'remove', '--force', wt]);

      // The server: a repository it has no parked worktree for.
      const srvRepo = path.join(tmp, `srv${r}`);
      await gitOk(tmp, ['clone', '-q', '--no-checkout', repo.dir, srvRepo]);
      t = performance.now();
      const createdAt = Date.now();
      const { id } = (await call('sessions.create', {
        repoPath: srvRepo,
        bad: 'main',
        good: ['good'],
        title: `server bisect bench ${r + 1}`,
        checkEndpoints: false,
        verify: false,
        recipe: { phases: [{ name: 'test', kind: 'script', run: script, timeoutSec: 600 }] },
      })) as { id: string };
      const startedAt = await untilFinished(id);
      const doneAt = Date.now();
      serverTimes.push(performance.now() - t);
      const d = (await call('sessions.byId', { id }, 'GET')) as Detail;
      if (d.session.result?.commit?.sha !== repo.culpritSha) throw new Error(`the server found ${JSON.stringify(d.session.result)} (${d.session.status}), not the culprit`);
      console.log(`round ${r + 1}: git ${gitTimes[r]?.toFixed(0)} ms (worktree add ${worktreeMs.toFixed(0)} ms, then bisect start/run/log/reset), server ${serverTimes[r]?.toFixed(0)} ms (${d.steps.length} steps)`);
      console.log(`  server: sessionStarted stored ${startedAt - createdAt} ms after create (range, worktree, first step chosen); ${breakdown(d, createdAt, doneAt)}`);
    }
    const ratio = median(serverTimes) / median(gitTimes);
    console.log(`\nmedian git bisect run ${median(gitTimes).toFixed(0)} ms, server ${median(serverTimes).toFixed(0)} ms`);
    console.log(`server / git bisect run: ${ratio.toFixed(3)}x (target <= 1.10x) ${ratio <= 1.1 ? 'OK' : 'ABOVE TARGET'}`);
  } finally {
    server?.kill('SIGTERM');
    await new Promise((res) => (server && server.exitCode === null ? server.once('exit', res) : res(null)));
    await removeDir(tmp);
  }
}

await main();
