import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { recipeSchema, type RecipeInput } from '../recipe';
import type { StrategySpec, TestSlot } from '../strategy/spec';
import { generateRepo, git, gitBisectRun, gitOk, type GeneratedRepo } from '../testing/repo';
import { MemorySink } from '../testing/memory-sink';
import { bugScript, makeTempDir, removeDir, writeScript } from '../testing/scripts';
import { runSlotBisect } from './scheduler';
import { validateBisectRequest } from './validate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('engine-slots-');
});
afterAll(async () => {
  await removeDir(tmp);
});

const local = new LocalExecutor();

async function slotBisect(repo: string, recipe: RecipeInput, strategy: StrategySpec, slots: TestSlot[], checkEndpoints = true) {
  const sink = new MemorySink();
  const id = `s${Math.random().toString(36).slice(2, 8)}`;
  const status = await runSlotBisect(
    {
      sessionId: id,
      request: await validateBisectRequest({ repoPath: repo, bad: 'main', good: ['v1'] }),
      recipe: recipeSchema.parse(recipe),
      worktree: path.join(tmp, 'wt', id),
      scratchDir: path.join(tmp, 'scratch', id),
      checkEndpoints,
      strategy,
      slots,
    },
    { sink, executorFor: () => local, signal: new AbortController().signal },
  );
  return { status, sink, finished: sink.finished() };
}

/**
 * A reproducer that fails `percent`% of runs on commits with the bug and never
 * on others. Its coin is a hash of the commit and the step: the same on every
 * machine, different from run to run.
 */
function flakyScript(dir: string, percent: number): Promise<string> {
  return writeScript(
    dir,
    `flaky-${percent}.sh`,
    `test -e BUG || exit 0
h=$(printf '%s-%s' "$BISECT_COMMIT" "$BISECT_STEP" | cksum | cut -d' ' -f1)
[ $((h % 100)) -ge ${percent} ]`,
  );
}

describe('strategies and slots on real git', () => {
  let merges: GeneratedRepo;
  beforeAll(async () => {
    merges = await generateRepo({ dir: path.join(tmp, 'merges'), commits: 240, mergeEvery: 3, culprit: 151, tags: { v1: 0 } });
  });

  it('three local slots run three steps at once and end on git bisect run’s culprit', { timeout: 120_000 }, async () => {
    const times = path.join(tmp, 'times.log');
    const bug = await bugScript(tmp);
    const script = await writeScript(tmp, 'timed.sh', `echo "start $$ $(date +%s%N)" >> ${times}; sleep 0.4; echo "end $$ $(date +%s%N)" >> ${times}; exec ${bug}`);
    const expected = await gitBisectRun(merges.dir, { bad: 'main', good: ['v1'], script: bug });
    const r = await slotBisect(merges.dir, { phases: [{ name: 'test', kind: 'script', run: script }] }, { kind: 'git' }, [{}, {}, {}]);
    expect(r.status).toBe('done');
    expect(r.finished.result?.kind === 'culprit' && r.finished.result.commit.sha).toBe(expected.firstBad);
    expect(maxOverlap(await readFile(times, 'utf8'))).toBe(3);
    const slotsUsed = new Set(r.sink.of('stepStarted').map((e) => e.slot));
    expect(slotsUsed).toEqual(new Set([0, 1, 2]));
    // Far fewer rounds than one slot would need: 240 commits take ~8 steps alone.
    const bisectSteps = r.sink.of('stepFinished').filter((e) => e.suspect !== undefined);
    expect(bisectSteps.length).toBeLessThanOrEqual(16);
    await expectReplayLandsOn(merges.dir, r.finished.bisectLog, expected.firstBad as string);
  });

  it('a flaky reproducer (fails 30% of runs on bad commits) on a merge-heavy history finds the planted culprit', { timeout: 240_000 }, async () => {
    const script = await flakyScript(tmp, 30);
    const r = await slotBisect(merges.dir, { phases: [{ name: 'repro', kind: 'script', run: script }] }, { kind: 'bayes', confidence: 0.95 }, [{}], false);
    expect(r.status).toBe('done');
    const result = r.finished.result;
    expect(result?.kind).toBe('culprit');
    if (result?.kind !== 'culprit') return;
    expect(result.commit.sha).toBe(merges.culpritSha);
    expect(result.probability).toBeGreaterThanOrEqual(0.95);
    // Commits were run more than once: a single run is not trusted.
    const runs = r.sink.of('stepStarted').map((e) => e.commit.sha);
    expect(new Set(runs).size).toBeLessThan(runs.length);
    expect(r.finished.bisectLog).toMatch(/^# runs [0-9a-f]{40}: \d+ bad \/ \d+ good/m);
    await expectReplayLandsOn(merges.dir, r.finished.bisectLog, merges.culpritSha as string);
    const views = r.sink.of('strategyUpdated');
    expect(views.at(-1)?.view.runs).toBe(runs.length);
  });

  it('flaky mode runs the good endpoint when it must tell "the first commit is bad" from "nothing is"', { timeout: 240_000 }, async () => {
    const repo = await generateRepo({ dir: path.join(tmp, 'first-bad'), commits: 24, culprit: 1, tags: { v1: 0 } });
    const script = await flakyScript(tmp, 50);
    const r = await slotBisect(repo.dir, { phases: [{ name: 'repro', kind: 'script', run: script }] }, { kind: 'bayes' }, [{}], false);
    expect(r.status).toBe('done');
    expect(r.finished.result?.kind === 'culprit' && r.finished.result.commit.sha).toBe(repo.culpritSha);
    const goodRuns = r.sink.of('stepStarted').filter((e) => e.kind === 'check' && e.expect === 'good');
    expect(goodRuns.length).toBeGreaterThan(0);
    expect(goodRuns.every((e) => e.commit.sha === repo.shas[0])).toBe(true);
  });

  it('per-commit phases run once per commit and slot; reruns only repeat the reproducer', { timeout: 240_000 }, async () => {
    const builds = path.join(tmp, 'builds.log');
    const script = await flakyScript(tmp, 50);
    const recipe: RecipeInput = {
      phases: [
        { name: 'build', kind: 'script', per: 'commit', run: `echo "$BISECT_COMMIT" >> ${builds}; echo "KERNEL_RELEASE=built-$BISECT_SHORT" >> "$BISECT_ENV"` },
        { name: 'repro', kind: 'script', run: `test "$KERNEL_RELEASE" = "built-$BISECT_SHORT" || { echo "no release: $KERNEL_RELEASE"; exit 200; }; exec ${script}` },
      ],
    };
    const repo = await generateRepo({ dir: path.join(tmp, 'linear'), commits: 64, culprit: 40, tags: { v1: 0 } });
    const r = await slotBisect(repo.dir, recipe, { kind: 'bayes' }, [{}], false);
    expect(r.status).toBe('done');
    expect(r.finished.result?.kind === 'culprit' && r.finished.result.commit.sha).toBe(repo.culpritSha);
    const steps = r.sink.of('stepStarted');
    const reused = steps.filter((e) => e.reusedBuildOf !== undefined);
    expect(reused.length).toBeGreaterThan(0);
    const built = (await readFile(builds, 'utf8')).trim().split('\n');
    expect(built.length).toBe(steps.length - reused.length);
  });
});

/** Most runs open at once in a `start PID T` / `end PID T` log; runs cancelled before their end (moot) are left out. */
function maxOverlap(log: string): number {
  const rows = log.trim().split('\n').map((l) => l.split(' '));
  const ended = new Set(rows.filter(([kind]) => kind === 'end').map(([, pid]) => pid));
  const marks = rows
    .filter(([, pid]) => ended.has(pid))
    .map(([kind, , t]) => ({ t: BigInt(t ?? '0'), d: kind === 'start' ? 1 : -1 }))
    .sort((a, b) => (a.t === b.t ? a.d - b.d : a.t < b.t ? -1 : 1));
  let open = 0;
  let max = 0;
  for (const m of marks) max = Math.max(max, (open += m.d));
  return max;
}

/** `git bisect replay` of the exported log in a fresh clone ends on `sha`. */
async function expectReplayLandsOn(repoDir: string, log: string, sha: string): Promise<void> {
  const clone = path.join(tmp, `clone-${Math.random().toString(36).slice(2, 8)}`);
  await gitOk(tmp, ['clone', '-q', repoDir, clone]);
  const file = path.join(tmp, `${path.basename(clone)}.log`);
  await import('node:fs/promises').then((fs) => fs.writeFile(file, log));
  const r = await git(clone, ['bisect', 'replay', file]);
  expect(`${r.stdout}${r.stderr}`).toContain(`${sha} is the first`);
}
