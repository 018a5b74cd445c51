import { execFileSync } from 'node:child_process';
import { TEST_PRINCIPAL } from '../../test/auth';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { dbKind, openTestDb } from '../../test/db';
import { appRouter } from '../api/root';
import { createCallerFactory } from '../api/trpc';
import type { RecipeInput } from '../engine/recipe';
import { generateRepo, gitBisectRun, type GeneratedRepo } from '../engine/testing/repo';
import { bugScript, makeTempDir, removeDir } from '../engine/testing/scripts';
import { createRuntime, type Runtime } from '../runtime';
import { until } from '../../test/wait';

let tmp: string;
let handle: DbHandle;
let repo: GeneratedRepo;
let gitCulprit: string | null;

const config = () => ({ port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined });
const makeRuntime = () => createRuntime({ config: config(), db: handle, infraRetryDelayMs: 50 });
let rt: Runtime;
const api = () => createCallerFactory(appRouter)({ runtime: rt, principal: TEST_PRINCIPAL });

beforeAll(async () => {
  tmp = await makeTempDir('control-');
  handle = await openTestDb();
  rt = await makeRuntime();
  repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 300, mergeEvery: 5, culprit: 170, tags: { v1: 0 } });
  gitCulprit = (await gitBisectRun(repo.dir, { bad: 'main', good: ['v1'], script: await bugScript(tmp) })).firstBad;
});
afterAll(async () => {
  await rt.shutdown();
  await handle.close();
  await removeDir(tmp);
});

const detail = (id: string) => api().sessions.byId({ id });
const finished = (id: string) => until('the session to finish', async () => {
  const d = await detail(id);
  return !['running', 'paused'].includes(d.session.status) && !d.running && d;
});
const culprit = (d: Awaited<ReturnType<typeof detail>>) => (d.session.result?.kind === 'culprit' ? d.session.result.commit.sha : null);
const start = (recipe: RecipeInput, extra: { checkEndpoints?: boolean } = {}) =>
  api().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v1'], recipe, ...extra });
const script = (run: string): RecipeInput => ({ phases: [{ name: 'test', kind: 'script', run }] });
/** Verdicts that count: one per tested commit. */
const countedShas = (d: Awaited<ReturnType<typeof detail>>) =>
  d.steps.filter((s) => s.kind === 'bisect' && !s.superseded && s.state === 'done').map((s) => s.commit.sha);

/** Waits for the session to end; it is done, on git's culprit, with each tested commit counted once. */
async function endsOnGitsCulprit(id: string): Promise<void> {
  const d = await finished(id);
  expect(d.session.status).toBe('done');
  expect(culprit(d)).toBe(gitCulprit);
  const shas = countedShas(d);
  expect(new Set(shas).size).toBe(shas.length);
}

describe(`session controls (${dbKind()})`, () => {
  it('pauses after the current step and resumes to the same culprit as git', async () => {
    const { id } = await start(script('sleep 0.2; test ! -e BUG'));
    await until('a bisect step', async () => (await detail(id)).steps.some((s) => s.kind === 'bisect'));
    expect(await api().sessions.pause({ id })).toEqual({ paused: true });
    const paused = await until('paused', async () => {
      const d = await detail(id);
      return d.session.status === 'paused' && !d.running && d;
    });
    expect(paused.steps.every((s) => s.state !== 'running')).toBe(true);
    const stepsWhilePaused = paused.steps.length;
    await new Promise((r) => setTimeout(r, 500));
    expect((await detail(id)).steps.length).toBe(stepsWhilePaused);
    expect(await api().sessions.resume({ id })).toEqual({ resumed: true });
    await endsOnGitsCulprit(id);
  });

  it('retries the current step: the first attempt is kept as interrupted', async () => {
    const flag = path.join(tmp, 'retry-flag');
    const { id } = await start(script(`if [ ! -e ${flag} ]; then touch ${flag}; sleep 60; fi; test ! -e BUG`), { checkEndpoints: false });
    await until('the hanging step', async () => (await detail(id)).steps[0]?.phases[0]?.status === 'running');
    await api().sessions.retry({ id });
    const d = await finished(id);
    expect(culprit(d)).toBe(gitCulprit);
    expect(d.steps[0]?.state).toBe('interrupted');
    expect(d.steps[0]?.phases[0]?.status).toBe('interrupted');
    expect(d.steps[1]?.commit.sha).toBe(d.steps[0]?.commit.sha);
  });

  it('takes a manual verdict for a step that needs a human eye', async () => {
    const { id } = await start(script('if [ "$BISECT_STEP" = 1 ]; then sleep 60; fi; test ! -e BUG'), { checkEndpoints: false });
    const first = await until('step 1', async () => (await detail(id)).steps[0]);
    const hasBug = execFileSync('git', ['-C', repo.dir, 'ls-tree', '--name-only', first.commit.sha, 'BUG'], { encoding: 'utf8' }).trim() !== '';
    await api().sessions.markStep({ id, verdict: hasBug ? 'bad' : 'good' });
    const d = await finished(id);
    expect(d.steps[0]).toMatchObject({ manual: true, verdict: hasBug ? 'bad' : 'good', state: 'done' });
    expect(culprit(d)).toBe(gitCulprit);
  });

  it('undo: a wrong verdict is changed, later steps are superseded, the bisect ends on the right commit', async () => {
    // The reproducer lies on the first commit it tests.
    const liar = path.join(tmp, 'lied');
    const { id } = await start(script(`if [ ! -e ${liar} ]; then touch ${liar}; if [ -e BUG ]; then exit 0; else exit 1; fi; fi; test ! -e BUG`), {
      checkEndpoints: false,
    });
    const wrong = await finished(id);
    expect(culprit(wrong)).not.toBe(gitCulprit);
    const lied = wrong.steps[0];
    if (!lied?.verdict || lied.verdict === 'skip') throw new Error('expected a verdict on step 1');
    const later = wrong.steps.slice(1).map((s) => s.step);
    const { superseded } = await api().sessions.undo({ id, step: 1, verdict: lied.verdict === 'good' ? 'bad' : 'good' });
    expect(superseded).toEqual(later);
    const d = await finished(id);
    expect(d.session.status).toBe('done');
    expect(culprit(d)).toBe(gitCulprit);
    expect(d.steps[0]).toMatchObject({ manual: true, superseded: false });
    expect(d.steps.filter((s) => later.includes(s.step)).every((s) => s.superseded)).toBe(true);
    expect(d.session.bisectLog).toContain(`# first bad commit: [${gitCulprit}]`);
  });

  it('checks the endpoints first and stops early on a wrong range', async () => {
    const { id } = await start(script('exit 0')); // "bad" passes
    const d = await finished(id);
    expect(d.session.status).toBe('failed');
    expect(d.session.error).toMatch(/the bad commit [0-9a-f]{12} tests good/);
    expect(d.steps.map((s) => s.kind)).toEqual(['check']);
  });

  it('recovers when the worktree is deleted mid-session', async () => {
    const { id } = await start(script('sleep 0.3; test ! -e BUG'), { checkEndpoints: false });
    await until('two finished steps', async () => (await detail(id)).steps.filter((s) => s.state === 'done').length >= 2);
    await rm(path.join(tmp, 'worktrees', id), { recursive: true, force: true });
    // And once more between steps, when the next phase would start in a missing directory.
    await until('a third step', async () => (await detail(id)).steps.length >= 4);
    await rm(path.join(tmp, 'worktrees', id), { recursive: true, force: true });
    await endsOnGitsCulprit(id);
  });

  it('survives a clean shutdown: steps are interrupted, not failed, and a new service resumes', async () => {
    const { id } = await start(script('sleep 0.3; test ! -e BUG'), { checkEndpoints: false });
    await until('two finished steps', async () => (await detail(id)).steps.filter((s) => s.state === 'done').length >= 2);
    await rt.shutdown();
    const stopped = await detail(id);
    expect(stopped.session.status).toBe('running');
    expect(stopped.steps.at(-1)?.state).toBe('interrupted');
    rt = await makeRuntime(); // resumes every running session
    const d = await finished(id);
    expect(culprit(d)).toBe(gitCulprit);
    const shas = countedShas(d);
    expect(new Set(shas).size).toBe(shas.length);
  });

  it('a repository missing at restart pauses the session with the reason; resumed once it is back, it ends as git does', async () => {
    const { id } = await start(script('sleep 0.3; test ! -e BUG'), { checkEndpoints: false });
    await until('two finished steps', async () => (await detail(id)).steps.filter((s) => s.state === 'done').length >= 2);
    await rt.shutdown();
    const moved = `${repo.dir}-unmounted`;
    await rename(repo.dir, moved);
    try {
      rt = await makeRuntime();
      const paused = await until('paused', async () => {
        const d = await detail(id);
        return d.session.status === 'paused' && d;
      });
      expect(paused.session.error).toMatch(/^cannot continue: .*Fix it and resume, or cancel\.$/);
      expect(paused.session.error).toContain(repo.dir);
      expect(paused.steps.filter((s) => s.state === 'done').length).toBeGreaterThanOrEqual(2); // nothing lost
    } finally {
      await rename(moved, repo.dir);
    }
    expect(await api().sessions.resume({ id })).toEqual({ resumed: true });
    await endsOnGitsCulprit(id);
  });

  it('cancels a paused session', async () => {
    const { id } = await start(script('sleep 0.2; test ! -e BUG'), { checkEndpoints: false });
    await api().sessions.pause({ id });
    await until('paused', async () => (await detail(id)).session.status === 'paused');
    expect(await api().sessions.cancel({ id })).toEqual({ cancelled: true });
    expect((await detail(id)).session.status).toBe('cancelled');
  });

  it('refuses controls that make no sense, with a clear error', async () => {
    const { id } = await start(script('test ! -e BUG'), { checkEndpoints: false });
    const d = await finished(id);
    await expect(api().sessions.markStep({ id, verdict: 'good' })).rejects.toThrow(/no step is waiting/);
    await expect(api().sessions.undo({ id, step: 999, verdict: 'good' })).rejects.toThrow(/step 999 has no verdict/);
    const v = d.steps[0]?.verdict ?? 'good';
    await expect(api().sessions.undo({ id, step: 1, verdict: v })).rejects.toThrow(/already/);
  });
});
