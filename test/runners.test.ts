/**
 * Scale-out on PostgreSQL: a web runtime with ENGINE=off (it runs no session)
 * and two runner processes. A session runs on one; controls sent to the web
 * reach it; it is killed with SIGKILL mid-step; the other runner takes the
 * session over after the lease lapses and ends on git's culprit. The event
 * stream a browser would read through the web process has no gap and no
 * duplicate, and no two steps of the session ever ran at once.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../db/client';
import { appRouter } from '../server/api/root';
import { createCallerFactory } from '../server/api/trpc';
import { generateRepo, gitBisectRun } from '../server/engine/testing/repo';
import { bugScript, makeTempDir, removeDir } from '../server/engine/testing/scripts';
import { createRuntime, type Runtime } from '../server/runtime';
import { streamSessionEvents } from '../server/sessions/stream';
import { TEST_PRINCIPAL } from './auth';
import { openTestDb } from './db';
import { until } from './wait';
import { spawnRunner } from './runner-process';

const LEASE_SEC = 3;
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

let tmp: string;
let handle: DbHandle & { url?: string };
let web: Runtime;
const children: ChildProcess[] = [];

function startRunner(name: string): { child: ChildProcess; dataDir: string; ready: Promise<void> } {
  const dataDir = path.join(tmp, name);
  const { child, ready } = spawnRunner({ name, env: { DATA_DIR: dataDir, DATABASE_URL: handle.url, RUNNER_NAME: name, RUNNER_LEASE_SEC: String(LEASE_SEC) } });
  children.push(child);
  return { child, dataDir, ready };
}


beforeAll(async () => {
  if (!onPostgres) return;
  tmp = await makeTempDir('runners-');
  handle = await openTestDb();
  web = await createRuntime({
    config: { port: 0, host: '127.0.0.1', dataDir: path.join(tmp, 'web'), databaseUrl: handle.url, engine: false, leaseMs: LEASE_SEC * 1000 },
    db: handle,
  });
});
afterAll(async () => {
  if (!onPostgres) return;
  for (const c of children) c.kill('SIGKILL');
  await web?.shutdown();
  await handle?.close();
  await removeDir(tmp);
});

describe.skipIf(!onPostgres)('runners on a job queue in PostgreSQL', () => {
  it('a session survives the SIGKILL of its runner: another takes over and ends on git’s culprit', { timeout: 240_000 }, async () => {
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 300, mergeEvery: 4, culprit: 190, tags: { v1: 0 } });
    const bug = await bugScript(tmp);
    const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['v1'], script: bug });
    const a = startRunner('runner-a');
    const b = startRunner('runner-b');
    await Promise.all([a.ready, b.ready]);
    const ids = new Map([
      [(await readFile(path.join(a.dataDir, 'runner-id'), 'utf8')).trim(), a],
      [(await readFile(path.join(b.dataDir, 'runner-id'), 'utf8')).trim(), b],
    ]);

    const api = createCallerFactory(appRouter)({ runtime: web, principal: TEST_PRINCIPAL });
    const { id } = await api.sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v1'],
      checkEndpoints: false,
      recipe: { phases: [{ name: 'test', kind: 'script', run: `sleep 1.5; exec ${bug}` }] }, // long enough to be killed mid-step
    });

    // What a browser reads through the web process, from the first event on.
    const seen: number[] = [];
    const abort = new AbortController();
    const reading = (async () => {
      for await (const batch of streamSessionEvents(web, id, 0, abort.signal)) for (const e of batch.events) seen.push(e.seq);
    })();

    const owner = await until('a runner to take the session', async () => {
      const d = await api.sessions.byId({ id });
      return d.runner && d.steps.some((s) => s.state === 'done') ? d.runner.id : null;
    });
    const first = ids.get(owner);
    if (!first) throw new Error(`unknown owner ${owner}`);
    expect((await api.sessions.byId({ id })).running).toBe(true);

    // Controls sent to the web server (which runs nothing) reach the owning runner.
    expect(await api.sessions.pause({ id })).toEqual({ paused: true });
    expect(await api.sessions.resume({ id })).toEqual({ resumed: true });

    // Kill the owner mid-step: a step that started under 0.7 s ago has at least 0.8 s of its 1.5 s left
    // (one seen running later in its life could finish before the signal lands, leaving nothing interrupted).
    await until('a step to have just started', async () =>
      (await api.sessions.byId({ id })).steps.some((s) => s.state === 'running' && Date.now() - s.startedAt.getTime() < 700),
    );
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    const taken = await until('the other runner to take over', async () => {
      const d = await api.sessions.byId({ id });
      return d.runner && d.runner.id !== owner ? d.runner : null;
    });
    expect(Date.now() - killedAt).toBeLessThan((LEASE_SEC + 5) * 1000);
    expect(ids.get(taken.id)).toBeDefined();

    const done = await until('the session to finish', async () => {
      const d = await api.sessions.byId({ id });
      return d.session.status === 'done' ? d : null;
    });
    expect(done.session.result?.kind === 'culprit' && done.session.result.commit.sha).toBe(git.firstBad);
    // The step the dead runner was running is kept as interrupted; every tested commit counted once.
    expect(done.steps.some((s) => s.state === 'interrupted')).toBe(true);
    const counted = done.steps.filter((s) => s.state === 'done' && !s.superseded).map((s) => s.commit.sha);
    expect(new Set(counted).size).toBe(counted.length);
    // One step at a time: the session's steps never overlapped, across both runners.
    const spans = done.steps.filter((s) => s.state === 'done').map((s) => [s.startedAt.getTime(), s.startedAt.getTime() + (s.ms ?? 0)] as const);
    spans.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1] - 5);

    await until('the stream to end', async () => (await Promise.race([reading.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))])) as boolean);
    abort.abort();
    expect(seen).toEqual(Array.from({ length: done.session.lastSeq }, (_, i) => i + 1));
  });
});
