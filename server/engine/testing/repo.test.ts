import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateRepo, git, gitBisectRun, gitOk, parseBisectOutput, planHistory } from './repo';
import { bugScript, buildThenBugScript, fixedScript, makeTempDir, removeDir } from './scripts';

let tmp: string;
let scripts: string;
let counter = 0;
const fresh = (name: string): string => join(tmp, `${name}-${counter++}`);

beforeAll(async () => {
  tmp = await makeTempDir('repo-test-');
  scripts = join(tmp, 'scripts');
});
afterAll(async () => {
  await removeDir(tmp);
});

/** For each sha: does `path` exist in its tree? (one git process) */
async function presence(dir: string, shas: string[], path: string): Promise<boolean[]> {
  const out = await gitOk(dir, ['cat-file', '--batch-check'], { input: shas.map((s) => `${s}:${path}\n`).join('') });
  return out
    .trim()
    .split('\n')
    .map((l) => !l.endsWith(' missing'));
}

/** Shas of `culprit` and all its descendants reachable from main. */
async function descendantsOf(dir: string, sha: string): Promise<Set<string>> {
  const out = await gitOk(dir, ['rev-list', '--ancestry-path', `${sha}..main`]);
  return new Set([sha, ...out.split('\n').filter(Boolean)]);
}

describe('git()', () => {
  it('returns exit code and output, passes stdin, does not throw on failure', async () => {
    const dir = fresh('plain');
    await generateRepo({ dir, commits: 1 });
    const ok = await git(dir, ['hash-object', '--stdin'], { input: 'hello\n' });
    expect(ok).toEqual({ stdout: 'ce013625030ba8dba906f756967f9e9ca394464a\n', stderr: '', code: 0 });
    const bad = await git(dir, ['rev-parse', '--verify', 'no-such-ref']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/fatal/);
    await expect(gitOk(dir, ['rev-parse', '--verify', 'no-such-ref'])).rejects.toThrow(/exit 128/);
  });
});

describe('generateRepo: linear history', () => {
  it('creates exactly N commits, BUG from the culprit onward, fixed identities, increasing times', async () => {
    const dir = fresh('linear');
    const r = await generateRepo({ dir, commits: 40, culprit: 17, files: 5 });
    expect(r.shas).toHaveLength(40);
    expect(new Set(r.shas).size).toBe(40);
    expect(r.culpritSha).toBe(r.shas[17]);
    expect((await gitOk(dir, ['rev-list', '--count', 'main'])).trim()).toBe('40');
    expect((await gitOk(dir, ['rev-parse', 'main'])).trim()).toBe(r.shas[39]);
    // first parent chain, oldest first, equals creation order
    expect((await gitOk(dir, ['rev-list', '--reverse', 'main'])).trim().split('\n')).toEqual(r.shas);
    const bug = await presence(dir, r.shas, 'BUG');
    expect(bug).toEqual(r.shas.map((_, i) => i >= 17));
    expect((await gitOk(dir, ['show', `${r.culpritSha}:BUG`]))).toBe('bug\n');
    // files: 5 regular files (+ BUG at the tip); work tree checked out and clean
    expect((await gitOk(dir, ['ls-tree', '-r', '--name-only', 'main'])).trim().split('\n').sort()).toEqual(
      ['BUG', 'src/d000/f00000.txt', 'src/d000/f00001.txt', 'src/d000/f00002.txt', 'src/d000/f00003.txt', 'src/d000/f00004.txt'],
    );
    expect(existsSync(join(dir, 'BUG'))).toBe(true);
    expect((await gitOk(dir, ['status', '--porcelain'])).trim()).toBe('');
    // identities fixed, timestamps strictly increasing in creation order
    const log = (await gitOk(dir, ['log', '--reverse', '--format=%an <%ae>|%cn <%ce>|%ct', 'main'])).trim().split('\n');
    const ids = new Set(log.map((l) => l.split('|').slice(0, 2).join('|')));
    expect([...ids]).toEqual(['A U Thor <author@example.com>|C O Mitter <committer@example.com>']);
    const times = log.map((l) => Number(l.split('|')[2]));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('is deterministic: same options give the same shas', async () => {
    const opts = { commits: 60, mergeEvery: 5, culprit: 30, files: 20, unbuildable: [7], tags: { v1: 3 } };
    const a = await generateRepo({ dir: fresh('det'), ...opts });
    const b = await generateRepo({ dir: fresh('det'), ...opts });
    expect(b.shas).toEqual(a.shas);
    const c = await generateRepo({ dir: fresh('det'), ...opts, seed: 2 });
    expect(c.shas).not.toEqual(a.shas);
  });

  it('creates lightweight tags at the requested commits', async () => {
    const dir = fresh('tags');
    const r = await generateRepo({ dir, commits: 30, tags: { 'v1.0': 0, 'v2.0': 25 } });
    expect((await gitOk(dir, ['rev-parse', 'v1.0'])).trim()).toBe(r.shas[0]);
    expect((await gitOk(dir, ['rev-parse', 'v2.0'])).trim()).toBe(r.shas[25]);
    expect((await gitOk(dir, ['cat-file', '-t', 'v2.0'])).trim()).toBe('commit'); // lightweight, not a tag object
  });

  it('rejects out-of-range indices', async () => {
    await expect(generateRepo({ dir: fresh('bad'), commits: 10, culprit: 10 })).rejects.toThrow(/culprit/);
    await expect(generateRepo({ dir: fresh('bad'), commits: 10, tags: { x: -1 } })).rejects.toThrow(/tag x/);
  });
});

describe('generateRepo: merge-heavy history', () => {
  const N = 150;
  const CULPRIT = 77;
  let dir: string;
  let shas: string[];
  let plan: ReturnType<typeof planHistory>;

  beforeAll(async () => {
    dir = fresh('merges');
    const r = await generateRepo({ dir, commits: N, mergeEvery: 4, culprit: CULPRIT, files: 30 });
    shas = r.shas;
    plan = r.plan;
  });

  it('has two-parent merges, all N commits reachable, ends on a plain mainline commit', async () => {
    const merges = (await gitOk(dir, ['rev-list', '--merges', '--parents', 'main'])).trim().split('\n');
    expect(merges.length).toBe(plan.filter((c) => c.kind === 'merge').length);
    expect(merges.length).toBeGreaterThan(N / 12);
    for (const line of merges) expect(line.split(' ')).toHaveLength(3);
    expect((await gitOk(dir, ['rev-list', '--count', 'main'])).trim()).toBe(String(N));
    expect(plan[N - 1]!.kind).toBe('main');
    // the plan's parents are git's parents
    for (const c of plan.filter((_, i) => i % 7 === 0)) {
      const parents = (await gitOk(dir, ['rev-list', '--parents', '-n', '1', shas[c.index]!])).trim().split(' ').slice(1);
      expect(parents).toEqual(c.parents.map((p) => shas[p]));
    }
  });

  it('puts the culprit on a topic branch: reachable only through a merge', async () => {
    expect(plan[CULPRIT]!.kind).toBe('topic');
    const firstParent = new Set((await gitOk(dir, ['rev-list', '--first-parent', 'main'])).trim().split('\n'));
    expect(firstParent.has(shas[CULPRIT]!)).toBe(false);
    // the commit created right after it is a concurrent mainline commit without the bug
    expect(plan[CULPRIT + 1]!.kind).toBe('main');
    expect((await git(dir, ['merge-base', '--is-ancestor', shas[CULPRIT]!, shas[CULPRIT + 1]!])).code).toBe(1);
  });

  it('BUG exists exactly in the culprit and its descendants', async () => {
    const desc = await descendantsOf(dir, shas[CULPRIT]!);
    const bug = await presence(dir, shas, 'BUG');
    expect(bug).toEqual(shas.map((s) => desc.has(s)));
    expect(bug.filter(Boolean).length).toBeLessThan(N - CULPRIT); // some later commits lack it
  });

  it('real git bisect finds the culprit; --first-parent finds the merge that brought it in', async () => {
    const script = await bugScript(scripts);
    const all = await gitBisectRun(dir, { bad: 'main', good: [shas[0]!], script });
    expect(all.firstBad).toBe(shas[CULPRIT]);
    expect(all.exitCode).toBe(0);
    expect(all.candidates).toEqual([]);
    expect(all.log).toMatch(/first bad commit: \[[0-9a-f]{40}\]/);

    const fp = await gitBisectRun(dir, { bad: 'main', good: [shas[0]!], script, firstParent: true });
    const merge = plan.find((c) => c.kind === 'merge' && c.topic === plan[CULPRIT]!.topic)!;
    expect(fp.firstBad).toBe(shas[merge.index]);
    expect(fp.log).toMatch(/--first-parent/);
    // and the state is cleaned up afterwards
    expect(existsSync(join(dir, '.git', 'BISECT_LOG'))).toBe(false);
    expect((await gitOk(dir, ['symbolic-ref', 'HEAD'])).trim()).toBe('refs/heads/main');
  });
});

describe('generateRepo: unbuildable commits, fix commits, path restriction', () => {
  it('BROKEN exists only at the unbuildable commits, also on merge histories', async () => {
    const dir = fresh('broken');
    const unbuildable = [1, 9, 10, 33, 58];
    const r = await generateRepo({ dir, commits: 60, mergeEvery: 3, unbuildable });
    const broken = await presence(dir, r.shas, 'BROKEN');
    expect(broken).toEqual(r.shas.map((_, i) => unbuildable.includes(i)));
  });

  it('skips unbuildable commits and still finds the culprit', async () => {
    const dir = fresh('skip');
    const r = await generateRepo({ dir, commits: 64, culprit: 40, unbuildable: [16, 31, 32, 37, 44, 48] });
    const res = await gitBisectRun(dir, { bad: 'main', good: [r.shas[0]!], script: await buildThenBugScript(scripts) });
    expect(res.firstBad).toBe(r.culpritSha);
    expect(res.log).toMatch(/^git bisect skip /m);
  });

  it('reports the candidate list when only skipped commits are left', async () => {
    const dir = fresh('ambiguous');
    const r = await generateRepo({ dir, commits: 30, culprit: 15, unbuildable: [15] });
    const res = await gitBisectRun(dir, { bad: 'main', good: [r.shas[0]!], script: await buildThenBugScript(scripts) });
    expect(res.firstBad).toBeNull();
    expect(res.exitCode).not.toBe(0);
    expect(new Set(res.candidates)).toEqual(new Set([r.shas[15], r.shas[16]]));
    expect(res.output).toMatch(/only 'skip'ped commits left to test/);
  });

  it('finds the fix with custom terms (old=broken, new=fixed)', async () => {
    const dir = fresh('fix');
    const r = await generateRepo({ dir, commits: 80, mergeEvery: 6, culprit: 10, fixAt: 57 });
    const bug = await presence(dir, r.shas, 'BUG');
    expect(bug[r.shas.length - 1]).toBe(false);
    const res = await gitBisectRun(dir, {
      bad: 'main',
      good: [r.shas[20]!],
      script: await fixedScript(scripts),
      terms: { old: 'broken', new: 'fixed' },
    });
    expect(res.firstBad).toBe(r.shas[57]);
    expect(res.output).toMatch(/is the first fixed commit/);
    expect(res.log).toMatch(/git bisect (broken|fixed) /);
  });

  it('restricts the bisect to commits touching a path', async () => {
    const dir = fresh('paths');
    const path = 'drivers/net/foo.c';
    const r = await generateRepo({ dir, commits: 200, culprit: 120, pathTouch: { path, every: 10 } });
    const touching = (await gitOk(dir, ['rev-list', 'main', '--', path])).trim().split('\n');
    expect(touching).toHaveLength(20); // root + 10, 20, ..., 190
    expect(touching).toContain(r.culpritSha);
    const script = await bugScript(scripts);
    const res = await gitBisectRun(dir, { bad: 'main', good: [r.shas[0]!], script, paths: [path] });
    expect(res.firstBad).toBe(r.culpritSha);
    const tested = [...res.log.matchAll(/^git bisect (?:good|bad) ([0-9a-f]{40})$/gm)].map((m) => m[1]!);
    expect(tested.length).toBeGreaterThan(0);
    expect(tested.length).toBeLessThanOrEqual(6); // log2(20) steps, not log2(200)
    for (const sha of tested) expect(touching).toContain(sha);
  });

  it('returns cleanly when git bisect start fails', async () => {
    const dir = fresh('startfail');
    await generateRepo({ dir, commits: 5 });
    const res = await gitBisectRun(dir, { bad: 'main', good: ['no-such-ref'], script: await bugScript(scripts) });
    expect(res.firstBad).toBeNull();
    expect(res.exitCode).not.toBe(0);
    expect(existsSync(join(dir, '.git', 'BISECT_START'))).toBe(false);
  });
});

describe('parseBisectOutput', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  it('accepts old and new spellings and custom terms', () => {
    expect(parseBisectOutput(`running x\n${a} is the first bad commit\ncommit ${a}\n`).firstBad).toBe(a);
    expect(parseBisectOutput(`${a} is the first 'bad' commit\n`).firstBad).toBe(a);
    expect(parseBisectOutput(`${b} is the first fixed commit\n`).firstBad).toBe(b);
    expect(parseBisectOutput('Bisecting: 3 revisions left\n').firstBad).toBeNull();
  });
  it('parses the skipped-candidates list', () => {
    const out = `There are only 'skip'ped commits left to test.\nThe first bad commit could be any of:\n${a}\n${b}\nWe cannot bisect more!\n`;
    expect(parseBisectOutput(out)).toEqual({ firstBad: null, candidates: [a, b] });
  });
});

describe('performance', () => {
  it('generates 10,000 commits with 5,000 files in a few seconds', async () => {
    const dir = fresh('big');
    const t0 = performance.now();
    const r = await generateRepo({ dir, commits: 10_000, files: 5_000, mergeEvery: 10, culprit: 7_000 });
    const ms = performance.now() - t0;
    console.log(`generateRepo: 10,000 commits / 5,000 files in ${(ms / 1000).toFixed(2)} s`);
    expect(ms).toBeLessThan(30_000);
    expect(r.shas).toHaveLength(10_000);
    expect((await gitOk(dir, ['rev-list', '--count', 'main'])).trim()).toBe('10000');
    const files = (await gitOk(dir, ['ls-tree', '-r', '--name-only', 'main'])).trim().split('\n');
    expect(files.filter((f) => f.startsWith('src/'))).toHaveLength(5_000);
    expect(r.plan[7_000]!.kind).toBe('topic');
  });
});
