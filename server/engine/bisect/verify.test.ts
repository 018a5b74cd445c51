import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { InfraError, type Executor } from '../types';
import { recipeSchema, type RecipeInput } from '../recipe';
import { MemorySink } from '../testing/memory-sink';
import { makeTempDir, removeDir } from '../testing/scripts';
import { runSlotBisect } from './scheduler';
import { INTERRUPT, runBisect } from './session';
import { validateBisectRequest } from './validate';

/**
 * Culprit verification on small planted repositories (real git, real scripts):
 * the bad commit with the culprit reverted, then the culprit's parent.
 */
let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('engine-verify-');
});
afterAll(() => removeDir(tmp));

const local = new LocalExecutor();
const CULPRIT = 5;
type Files = Record<string, string | null>;

/** A linear repository of 9 commits; commit `i` writes what `files(i)` returns. Returns the shas. */
function plantedRepo(name: string, files: (i: number) => Files): { dir: string; shas: string[] } {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.org' } }).trim();
  g('init', '-q', '-b', 'main');
  const shas: string[] = [];
  for (let i = 0; i < 9; i++) {
    for (const [f, content] of Object.entries({ [`file${i}`]: `${i}\n`, ...files(i) })) {
      if (content === null) g('rm', '-q', f);
      else writeFileSync(path.join(dir, f), content);
    }
    g('add', '-A');
    g('commit', '-q', '-m', `commit ${i}`);
    shas.push(g('rev-parse', 'HEAD'));
  }
  g('tag', 'v1', shas[0] as string);
  return { dir, shas };
}

/** Bad when BUG (or BUG2) exists. */
const recipe = (extra: Partial<RecipeInput> = {}): RecipeInput => ({
  phases: [{ name: 'test', kind: 'script', run: '! test -e BUG && ! test -e BUG2' }],
  ...extra,
});

/** A host that vanishes whenever the culprit's revert is in the worktree: the verification run hits an infrastructure error. */
const failsDuringRevert: Executor = {
  name: 'flaky-host',
  run(cmd, signal) {
    const reverting = spawnSync('git', ['rev-parse', '-q', '--verify', 'REVERT_HEAD'], { cwd: cmd.cwd }).status === 0;
    if (reverting) throw new InfraError('connection to the build host lost');
    return local.run(cmd, signal);
  },
};

async function bisect(dir: string, r: RecipeInput, slots = false, executor: Executor = local) {
  const sink = new MemorySink();
  const id = `s${Math.random().toString(36).slice(2, 8)}`;
  const o = {
    sessionId: id,
    request: await validateBisectRequest({ repoPath: dir, bad: 'main', good: ['v1'] }),
    recipe: recipeSchema.parse(r),
    worktree: path.join(tmp, 'wt', id),
    scratchDir: path.join(tmp, 'scratch', id),
  };
  const deps = { sink, executorFor: () => executor, signal: new AbortController().signal };
  const status = slots ? await runSlotBisect({ ...o, strategy: { kind: 'git' }, slots: [{}, {}] }, deps) : await runBisect(o, deps);
  const finished = sink.finished();
  const result = finished.result?.kind === 'culprit' ? finished.result : null;
  return { status, sink, finished, result, verification: result?.verification };
}

describe('culprit verification', () => {
  it('verified: reverting the culprit fixes the bad commit and its parent is good; the runs are verify steps, not bisect steps', async () => {
    const { dir, shas } = plantedRepo('clean', (i): Files => (i === CULPRIT ? { BUG: 'bug\n' } : {}));
    const { status, sink, finished, result, verification } = await bisect(dir, recipe());
    expect(status).toBe('done');
    expect(result?.commit.sha).toBe(shas[CULPRIT]);
    expect(verification).toMatchObject({ verified: true, summary: 'verified: reverting it fixes the bad commit' });
    expect(verification?.revert).toMatchObject({ sha: shas[8], outcome: 'good' });
    expect(verification?.parent).toMatchObject({ sha: shas[CULPRIT - 1], outcome: 'good' });
    const verifySteps = sink.of('stepStarted').filter((s) => s.kind === 'verify');
    expect(verifySteps.map((s) => [s.verify, s.commit.sha])).toEqual([
      ['revert', shas[8]],
      ['parent', shas[CULPRIT - 1]],
    ]);
    expect(verifySteps.map((s) => s.step)).toEqual([verification?.revert.step, verification?.parent.step]);
    // The bisect log is git's, without the verification runs.
    expect(finished.bisectLog).toContain(`# first bad commit: [${shas[CULPRIT]}]`);
    const marks = finished.bisectLog.split('\n').filter((l) => /^git bisect (good|bad|skip) /.test(l));
    expect(marks).toHaveLength(sink.of('stepStarted').filter((s) => s.kind === 'bisect').length);
    expect(sink.of('culpritVerified')).toHaveLength(1);
    // The worktree's tracked files were put back after the revert (the session parks it clean).
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });

  it('not verified: the revert conflicts, naming the files; the culprit stands and nothing more runs', async () => {
    const { dir, shas } = plantedRepo('conflict', (i): Files =>
      i === 0 ? { conf: 'x=1\n' } : i === CULPRIT ? { BUG: 'bug\n', conf: 'x=2\n' } : i === 7 ? { conf: 'x=3\n' } : {},
    );
    const { result, verification, sink } = await bisect(dir, recipe());
    expect(result?.commit.sha).toBe(shas[CULPRIT]);
    expect(verification).toMatchObject({ verified: false, summary: 'not verified: the revert conflicts in conf' });
    expect(verification?.revert).toMatchObject({ outcome: 'conflict', conflicts: ['conf'] });
    expect(verification?.parent.outcome).toBe('notRun');
    expect(sink.of('stepStarted').filter((s) => s.kind === 'verify')).toHaveLength(0);
  });

  it('not verified: the bad commit still fails with the culprit reverted (a second regression)', async () => {
    const { dir, shas } = plantedRepo('still', (i): Files => (i === CULPRIT ? { BUG: 'bug\n' } : i === 7 ? { BUG2: 'another\n' } : {}));
    const { result, verification } = await bisect(dir, recipe());
    expect(result?.commit.sha).toBe(shas[CULPRIT]);
    expect(verification?.verified).toBe(false);
    expect(verification?.summary).toMatch(/^not verified: the bad commit still fails with the culprit reverted \(test: exit 1\)$/);
    expect(verification?.revert.outcome).toBe('bad');
  });

  it('an infrastructure error while verifying gives "not verified" with the reason and keeps the culprit', async () => {
    const { dir, shas } = plantedRepo('infra', (i): Files => (i === CULPRIT ? { BUG: 'bug\n' } : {}));
    const { status, result, verification, sink } = await bisect(dir, recipe(), false, failsDuringRevert);
    expect(status).toBe('done');
    expect(result?.commit.sha).toBe(shas[CULPRIT]);
    expect(verification).toMatchObject({ verified: false, revert: { outcome: 'error' } });
    expect(verification?.summary).toMatch(/^not verified: infrastructure error: .*connection to the build host lost/);
    expect(sink.of('stepInterrupted').at(-1)?.reason).toMatch(/^infrastructure error/);
  });

  it('stopped to be resumed during verification: no answer is written, and the resumed session verifies again', async () => {
    const { dir, shas } = plantedRepo('resume', (i): Files => (i === CULPRIT ? { BUG: 'bug\n' } : {}));
    const mark = path.join(tmp, 'resume-mark');
    // The first revert run waits (the test stops the session meanwhile); later runs do not.
    const run = `if git rev-parse -q --verify REVERT_HEAD >/dev/null && [ ! -e ${mark} ]; then touch ${mark}; sleep 30; fi; ! test -e BUG`;
    const o = {
      sessionId: 'resume',
      request: await validateBisectRequest({ repoPath: dir, bad: 'main', good: ['v1'] }),
      recipe: recipeSchema.parse({ phases: [{ name: 'test', kind: 'script', run }] }),
      worktree: path.join(tmp, 'wt', 'resume'),
      scratchDir: path.join(tmp, 'scratch', 'resume'),
    };
    const first = new MemorySink();
    const controller = new AbortController();
    const waiting = setInterval(() => existsSync(mark) && controller.abort(INTERRUPT), 50);
    const status = await runBisect(o, { sink: first, executorFor: () => local, signal: controller.signal });
    clearInterval(waiting);
    expect(status).toBe('interrupted');
    expect(first.of('sessionFinished')).toHaveLength(0);
    expect(first.of('stepInterrupted').at(-1)?.reason).toBe('stopped to be resumed');

    // Resume from the record, as the service does: the bisect steps' verdicts, verification steps left out.
    const kinds = new Map(first.of('stepStarted').map((s) => [s.step, s]));
    const done = first.of('stepFinished').filter((f) => kinds.get(f.step)?.kind === 'bisect');
    const history = {
      marks: done.map((f) => ({ sha: kinds.get(f.step)!.commit.sha, verdict: f.verdict })),
      nextStep: Math.max(...kinds.keys()) + 1,
      checksDone: true,
    };
    const second = new MemorySink();
    expect(await runBisect({ ...o, history }, { sink: second, executorFor: () => local, signal: new AbortController().signal })).toBe('done');
    const result = second.finished().result;
    expect(result?.kind === 'culprit' && result.commit.sha).toBe(shas[CULPRIT]);
    expect(result?.kind === 'culprit' && result.verification?.summary).toBe('verified: reverting it fixes the bad commit');
    expect(second.of('stepStarted').map((s) => s.kind)).toEqual(['verify', 'verify']);
    expect(second.of('stepStarted')[0]?.step).toBe(history.nextStep);
  });

  it('verify: false runs no verification; on slots (the scheduler) it verifies too', async () => {
    const { dir } = plantedRepo('off', (i): Files => (i === CULPRIT ? { BUG: 'bug\n' } : {}));
    const off = await bisect(dir, recipe({ verify: false }));
    expect(off.result).not.toBeNull();
    expect(off.verification).toBeUndefined();
    expect(off.sink.of('stepStarted').some((s) => s.kind === 'verify')).toBe(false);
    const slots = await bisect(dir, recipe(), true);
    expect(slots.verification?.summary).toBe('verified: reverting it fixes the bad commit');
  });
});
