import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { recipeSchema, type RecipeInput } from '../recipe';
import { MemorySink } from '../testing/memory-sink';
import { gitBisectRun, gitOk } from '../testing/repo';
import { makeTempDir, removeDir, writeScript } from '../testing/scripts';
import { runBisect } from './session';
import { validateBisectRequest } from './validate';

let tmp: string;
let repo: string;
let fix: string;
let culprit: string;
const shas: string[] = [];

/**
 * c0..c11 on main; c3 breaks the build (`build.c` says BROKEN) until c7 repairs
 * it; c5 brings the bug. A fix commit on a side branch from c3 repairs the
 * build, as a fix applied at every step would (ktest's PRE_BUILD).
 */
beforeAll(async () => {
  tmp = await makeTempDir('patches-');
  repo = path.join(tmp, 'repo');
  const g = (args: string[]) => gitOk(repo, args, { env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
  await gitOk(tmp, ['init', '-q', '-b', 'main', repo]);
  for (let i = 0; i < 12; i++) {
    await writeFile(path.join(repo, 'build.c'), i >= 3 && i < 7 ? 'BROKEN\n' : 'ok\n');
    await writeFile(path.join(repo, `file${i}.c`), `${i}\n`);
    if (i === 5) await writeFile(path.join(repo, 'BUG'), 'bug\n');
    await g(['add', '-A']);
    await g(['commit', '-q', '-m', `commit ${i}`]);
    shas.push((await g(['rev-parse', 'HEAD'])).trim());
    if (i === 0) await g(['tag', 'v1']);
    if (i === 3) {
      await g(['checkout', '-q', '-b', 'buildfix']);
      await writeFile(path.join(repo, 'build.c'), 'ok\n');
      await g(['commit', '-q', '-am', 'fix the build']);
      fix = (await g(['rev-parse', 'HEAD'])).trim();
      await g(['checkout', '-q', 'main']);
    }
  }
  culprit = shas[5] as string;
  await writeFile(path.join(repo, 'fix.patch'), await g(['format-patch', '--stdout', '-1', fix]));
});
afterAll(async () => {
  await removeDir(tmp);
});

const recipe = (patches: RecipeInput['patches'], extra: Partial<RecipeInput> = {}): RecipeInput => ({
  patches,
  ...extra,
  phases: [
    { name: 'build', kind: 'script', run: '! grep -q BROKEN build.c', onFailure: 'skip' },
    { name: 'test', kind: 'script', run: 'test ! -e BUG' },
  ],
});

async function bisect(r: RecipeInput) {
  const sink = new MemorySink();
  const id = `p${Math.random().toString(36).slice(2, 8)}`;
  await runBisect(
    {
      sessionId: id,
      request: await validateBisectRequest({ repoPath: repo, bad: 'main', good: ['v1'] }),
      recipe: recipeSchema.parse(r),
      worktree: path.join(tmp, 'wt', id),
      scratchDir: path.join(tmp, 'scratch', id),
      checkEndpoints: false,
    },
    { sink, executorFor: () => new LocalExecutor(), signal: new AbortController().signal },
  );
  return sink;
}

describe('patches applied at every step', () => {
  it('without the fix the broken builds hide the culprit; with it (commit or file) the culprit is found, as git bisect run finds it on the patched history', async () => {
    const plain = (await bisect(recipe(undefined))).finished().result;
    expect(plain?.kind).toBe('candidates');

    const script = await writeScript(
      tmp,
      'patched.sh',
      `git merge-base --is-ancestor ${fix} HEAD || git cherry-pick -n ${fix} >/dev/null 2>&1 || exit 125
if grep -q BROKEN build.c; then rc=125; elif test -e BUG; then rc=1; else rc=0; fi
git reset -q --hard HEAD; exit $rc`,
    );
    const git = await gitBisectRun(repo, { bad: 'main', good: ['v1'], script });
    expect(git.firstBad).toBe(culprit);

    for (const patches of [[{ commit: fix }], [{ file: 'fix.patch' }], [{ commit: 'buildfix' }]]) {
      const sink = await bisect(recipe(patches));
      const result = sink.finished().result;
      expect(result?.kind === 'culprit' && result.commit.sha).toBe(git.firstBad);
      const applied = sink.of('patchesApplied');
      expect(applied.some((e) => e.applied.length === 1)).toBe(true); // applied where missing (c3..c6)
      expect(applied.some((e) => e.applied.length === 0 && e.contained.length === 0)).toBe(false);
      // The worktree is left clean after every step: the next checkout never fails on a patched file.
      expect(sink.of('log').filter((e) => e.level === 'error')).toEqual([]);
    }
  });

  it('a patch the commit already contains is not applied again', async () => {
    // From c7 on, build.c is "ok" again: the patch reverse-applies, so it counts as contained there.
    const sink = await bisect(recipe([{ file: 'fix.patch' }]));
    expect(sink.of('patchesApplied').some((e) => e.contained.length === 1)).toBe(true);
  });

  it('a patch that does not apply makes the step skip (or what onPatchFailure says), with the reason', async () => {
    await writeFile(path.join(repo, 'bad.patch'), 'diff --git a/nope.c b/nope.c\n--- a/nope.c\n+++ b/nope.c\n@@ -1 +1 @@\n-x\n+y\n');
    const skipped = await bisect(recipe([{ file: 'bad.patch' }]));
    const finished = skipped.of('stepFinished');
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.every((e) => e.verdict === 'skip' && /patch bad\.patch does not apply/.test(e.reason))).toBe(true);

    const aborted = await bisect(recipe([{ commit: 'no-such-ref' }], { onPatchFailure: 'abort' }));
    expect(aborted.finished()).toMatchObject({ status: 'failed', error: expect.stringMatching(/commit no-such-ref is not in the repository/) });
  });
});
