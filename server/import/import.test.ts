import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { count } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { sessions, steps } from '../../db/schema';
import { parseBisectLog } from '../engine/bisect-log';
import { generateRepo, git, gitBisectRun, gitOk, type GeneratedRepo } from '../engine/testing/repo';
import { buildThenBugScript, bugScript, fixedScript } from '../engine/testing/scripts';
import { dbKind } from '../../test/db';
import { useTestRuntime } from '../../test/suite';
import { importBisectLog } from './import';

const suite = useTestRuntime('import-');

const FIXTURES = fileURLToPath(new URL('../engine/bisect-log/fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

let repo: GeneratedRepo;
/** Culprit 150 with commits 149-151 unbuildable: git ends with candidates. */
let skipRepo: GeneratedRepo;

beforeAll(async () => {
  repo = await generateRepo({
    dir: path.join(suite.tmp, 'repo'),
    commits: 300,
    mergeEvery: 5,
    culprit: 200,
    fixAt: 260,
    unbuildable: [90, 91],
    tags: { 'v5.10': 0, 'v5.12': 230 },
    author: (c) => ({ name: `Dev ${c.index % 7}`, email: `dev${c.index % 7}@example.org` }),
  });
  skipRepo = await generateRepo({ dir: path.join(suite.tmp, 'skip-repo'), commits: 200, culprit: 150, unbuildable: [149, 150, 151], tags: { 'v5.10': 0 } });
});

async function sessionCount(): Promise<number> {
  const [r] = await suite.handle.db.select({ n: count() }).from(sessions);
  return r?.n ?? 0;
}

async function expectBadRequest(p: Promise<unknown>, message: RegExp): Promise<TRPCError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe('BAD_REQUEST');
  expect((e as TRPCError).message).toMatch(message);
  return e as TRPCError;
}

/** `git bisect replay` of `log` in a fresh clone of `dir`: the first bad commit or the candidates git names. */
async function replayInClone(dir: string, log: string, name: string): Promise<{ firstBad: string | null; output: string }> {
  const clone = path.join(suite.tmp, `clone-${name}`);
  await gitOk(suite.tmp, ['clone', '-q', '--no-checkout', dir, clone]);
  // The clone needs the tags and branches the log may name; `git clone` brought them.
  const file = path.join(suite.tmp, `${name}.log`);
  await writeFile(file, log);
  await gitOk(clone, ['checkout', '-q', '--detach', 'origin/main']);
  const r = await git(clone, ['bisect', 'replay', file]);
  const output = r.stdout + r.stderr;
  const m = /^([0-9a-f]{40}) is the first/m.exec(output);
  return { firstBad: m?.[1] ?? null, output };
}

describe(`sessions.import (${dbKind()})`, () => {
  it("the seed's 16-step log, without a repository: culprit, 16 steps, schematic timeline", async () => {
    const log = fixture('seed-16-step.log');
    const { id } = await suite.caller().sessions.import({ log });
    const d = await suite.caller().sessions.byId({ id });
    const s = d.session;
    expect(s.status).toBe('done');
    expect(s.origin).toBe('import');
    expect(s.repoPath).toBe('');
    expect(s.result?.kind).toBe('culprit');
    if (s.result?.kind !== 'culprit') throw new Error('unreachable');
    expect(s.result.commit.sha).toBe('8d622d21d24803408b256d96463eac4574dcf067');
    expect(s.result.commit.subject).toBe('virtio: fix up virtio_disable_cb');
    expect(s.badSha).toBe('3e732ebf7316ac83e8562db7e64cc68aec390a18');
    expect(s.goodShas).toEqual(['2c85ebc57b3e1817b6ce1a6b703928e113a90442']);
    // 18 marks: the first bad and good are the range, 16 are steps.
    expect(d.steps).toHaveLength(16);
    expect(d.steps.map((st) => st.verdict).join(' ')).toBe('bad good good good good good good good good bad bad good bad bad bad good');
    expect(d.steps[0]?.commit).toMatchObject({ sha: 'e083bbd6040f4efa5c13633fb4e460b919d69dae', subject: "Merge tag 'arm-dt-5.14' of git://git.kernel.org/pub/scm/linux/kernel/git/soc/soc" });
    expect(d.steps.every((st) => st.ms === null && st.state === 'done' && st.phases.length === 0)).toBe(true);

    // The schematic layout is a consistent binary search ending on the culprit.
    const size = s.rangeSize ?? 0;
    expect(s.initialSuspect).toEqual([[0, size]]);
    let prev: [number, number] = [0, size];
    for (const st of d.steps) {
      const [a, b] = prev;
      expect(st.position).toBeGreaterThanOrEqual(a);
      expect(st.position).toBeLessThan(b);
      const run = st.suspect?.[0] as [number, number];
      expect(st.suspect).toHaveLength(1);
      if (st.verdict === 'bad') expect(run).toEqual([a, st.position + 1]);
      if (st.verdict === 'good') expect(run).toEqual([st.position + 1, b]);
      prev = run;
    }
    expect(prev[1] - prev[0]).toBe(1);
    const culpritStep = d.steps.find((st) => st.commit.sha === '8d622d21d24803408b256d96463eac4574dcf067');
    expect(culpritStep?.position).toBe(prev[0]);

    // The stored log is the same bisect, in git's format.
    const again = parseBisectLog(s.bisectLog);
    const orig = parseBisectLog(log);
    expect(again.marks.map((m) => [m.verdict, m.sha, m.subject])).toEqual(orig.marks.map((m) => [m.verdict, m.sha, m.subject]));
    expect(again.result).toEqual(orig.result);
  });

  it('an imported session is read-only: its verdicts cannot be changed', async () => {
    const { id } = await suite.caller().sessions.import({ log: fixture('seed-16-step.log') });
    await expectBadRequest(suite.caller().sessions.undo({ id, step: 3, verdict: 'bad' }), /imported bisect is read-only/);
    const d = await suite.caller().sessions.byId({ id });
    expect(d.session.status).toBe('done');
    expect(d.steps.some((s) => s.superseded)).toBe(false);
  });

  it("git 2.55 spellings: `first 'bad' commit`, quoted candidates, custom terms", async () => {
    const quoted = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: fixture('git-2.55-quoted-terms.log') }));
    expect(quoted.session.result?.kind === 'culprit' && quoted.session.result.commit.sha).toBe('8d622d21d24803408b256d96463eac4574dcf067');
    expect(quoted.steps.map((s) => s.verdict)).toEqual(['bad', 'good']);

    const cand = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: fixture('git-2.55-candidates.log') }));
    expect(cand.session.status).toBe('done');
    expect(cand.session.result?.kind).toBe('candidates');
    if (cand.session.result?.kind !== 'candidates') throw new Error('unreachable');
    expect(cand.session.result.commits.map((c) => c.sha)).toEqual([
      'e3aadf2e1614174dc81d52cbb9dabb77913b11c6',
      '8d622d21d24803408b256d96463eac4574dcf067',
    ]);
    expect(cand.session.result.commits[1]?.subject).toBe('virtio: fix up virtio_disable_cb');
    expect(cand.steps.map((s) => s.verdict)).toEqual(['skip', 'bad', 'good']);
    // The skipped candidate sits inside the final suspect range.
    const last = cand.steps.at(-1)?.suspect?.[0] as [number, number];
    const skipped = cand.steps[0]?.position ?? -1;
    expect(skipped).toBeGreaterThanOrEqual(last[0]);
    expect(skipped).toBeLessThan(last[1]);

    const custom = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: fixture('git-2.55-custom-terms.log') }));
    expect(custom.session).toMatchObject({ termOld: 'broken', termNew: 'fixed', bad: 'v5.14-rc1', good: ['v5.10'] });
    expect(custom.session.badSha).toBe('3e732ebf7316ac83e8562db7e64cc68aec390a18');
    expect(custom.steps.map((s) => [s.verdict, s.term])).toEqual([
      ['good', 'broken'],
      ['bad', 'fixed'],
    ]);
    expect(custom.session.result?.kind === 'culprit' && custom.session.result.commit.subject).toBe('virtio: fix up virtio_disable_cb');
  });

  it('a log made by real git, with the repository: full commit info, real positions and suspects; replays in a clone', async () => {
    const script = await buildThenBugScript(suite.tmp);
    const run = await gitBisectRun(repo.dir, { bad: 'main', good: ['v5.10'], script });
    expect(run.firstBad).toBe(repo.culpritSha);
    const { id } = await suite.caller().sessions.import({ log: run.log, repoPath: repo.dir });
    const d = await suite.caller().sessions.byId({ id });
    expect(d.session.result?.kind === 'culprit' && d.session.result.commit).toMatchObject({
      sha: repo.culpritSha,
      author: expect.stringMatching(/^Dev \d$/),
      authorEmail: expect.stringMatching(/@example\.org$/),
    });
    if (d.session.result?.kind === 'culprit') expect(d.session.result.commit.diffstat).toMatch(/changed/);

    const rangeShas = (await gitOk(repo.dir, ['rev-list', '--reverse', '--topo-order', 'main', '--not', 'v5.10'])).trim().split('\n');
    expect(d.session.rangeSize).toBe(rangeShas.length);
    const parsed = parseBisectLog(run.log);
    expect(d.steps).toHaveLength(parsed.marks.length); // `start main v5.10`: every mark is a step
    for (const st of d.steps) {
      expect(st.position).toBe(rangeShas.indexOf(st.commit.sha));
      expect(st.commit.author).toMatch(/^Dev \d$/);
      expect(Number.isNaN(Date.parse(st.commit.date))).toBe(false);
    }
    // After the last step the suspects are exactly what git still suspects.
    const last = d.steps.at(-1);
    const suspectCount = (last?.suspect ?? []).reduce((n, [a, b]) => n + b - a, 0);
    const badMarks = d.steps.filter((s) => s.verdict === 'bad');
    const goodMarks = d.steps.filter((s) => s.verdict === 'good');
    const lastBad = badMarks.at(-1)?.commit.sha ?? 'main';
    const left = (await gitOk(repo.dir, ['rev-list', lastBad, '--not', 'v5.10', ...goodMarks.map((s) => s.commit.sha)])).trim().split('\n');
    expect(suspectCount).toBe(left.length);
    expect(d.steps.some((s) => s.verdict === 'skip')).toBe(parsed.marks.some((m) => m.verdict === 'skip'));

    const replay = await replayInClone(repo.dir, d.session.bisectLog, 'with-repo');
    expect(replay.firstBad).toBe(repo.culpritSha);
  });

  it('skips next to the culprit: candidates, with and without the repository', async () => {
    const script = await buildThenBugScript(suite.tmp, { name: 'skip.sh' });
    const run = await gitBisectRun(skipRepo.dir, { bad: 'main', good: ['v5.10'], script });
    expect(run.firstBad).toBeNull();
    expect(run.candidates.length).toBeGreaterThan(1);
    for (const repoPath of [skipRepo.dir, undefined]) {
      const d = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: run.log, repoPath }));
      expect(d.session.result?.kind).toBe('candidates');
      if (d.session.result?.kind !== 'candidates') throw new Error('unreachable');
      expect(d.session.result.commits.map((c) => c.sha).sort()).toEqual([...run.candidates].sort());
      expect(d.steps.filter((s) => s.verdict === 'skip').length).toBeGreaterThan(0);
      if (repoPath) expect(d.session.result.commits.every((c) => c.author === 'A U Thor')).toBe(true);
      else expect(d.session.result.commits.every((c) => c.author === '')).toBe(true);
    }
  });

  it('custom terms (broken/fixed) from real git', async () => {
    const script = await fixedScript(suite.tmp);
    const run = await gitBisectRun(repo.dir, { bad: 'main', good: ['v5.12'], script, terms: { old: 'broken', new: 'fixed' } });
    expect(run.firstBad).toBe(repo.shas[260]);
    const d = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: run.log, repoPath: repo.dir }));
    expect(d.session).toMatchObject({ termOld: 'broken', termNew: 'fixed', bad: 'main', good: ['v5.12'] });
    expect(d.steps.every((s) => (s.verdict === 'good' ? s.term === 'broken' : s.verdict === 'bad' ? s.term === 'fixed' : s.term === 'skip'))).toBe(true);
    expect(d.session.result?.kind === 'culprit' && d.session.result.commit.sha).toBe(repo.shas[260]);
    expect((await replayInClone(repo.dir, d.session.bisectLog, 'custom')).firstBad).toBe(repo.shas[260]);
  });

  it('old/new terms from marks after a bare start (real git)', async () => {
    const dir = repo.dir;
    await git(dir, ['bisect', 'reset']);
    await gitOk(dir, ['bisect', 'start']);
    await gitOk(dir, ['bisect', 'new', 'main']);
    await gitOk(dir, ['bisect', 'old', 'v5.10']);
    for (let i = 0; i < 20; i++) {
      const head = (await gitOk(dir, ['rev-parse', 'HEAD'])).trim();
      const bug = (await git(dir, ['cat-file', '-e', `${head}:BUG`])).code === 0;
      const r = await git(dir, ['bisect', bug ? 'new' : 'old']);
      if (/is the first new commit/.test(r.stdout)) break;
    }
    const log = await gitOk(dir, ['bisect', 'log']);
    await gitOk(dir, ['bisect', 'reset']);
    const d = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log, repoPath: dir }));
    expect(d.session).toMatchObject({ termOld: 'old', termNew: 'new' });
    expect(d.session.badSha).toBe(repo.shas.at(-1));
    expect(d.session.goodShas).toEqual([repo.shas[0]]);
    expect(d.steps.length).toBe(parseBisectLog(log).marks.length - 2);
    expect(d.session.result?.kind === 'culprit' && d.session.result.commit.sha).toBe(repo.culpritSha);
  });

  it('abbreviated shas and refs in a hand-typed log are resolved by the repository; the stored log replays', async () => {
    const script = await bugScript(suite.tmp);
    const run = await gitBisectRun(repo.dir, { bad: 'main', good: ['v5.10'], script });
    const p = parseBisectLog(run.log);
    const hand = ['git bisect start main v5.10', ...p.marks.map((m) => `git bisect ${m.term} ${m.sha.slice(0, 10)}`)].join('\n');
    const d = await suite.caller().sessions.byId(await suite.caller().sessions.import({ log: hand, repoPath: repo.dir }));
    expect(d.steps.map((s) => s.commit.sha)).toEqual(p.marks.map((m) => m.sha));
    expect(d.steps.every((s) => s.commit.subject.length > 0)).toBe(true);
    // No result comment in the log: decided from the repository as git would.
    expect(d.session.result?.kind === 'culprit' && d.session.result.commit.sha).toBe(repo.culpritSha);
    expect(d.session.bisectLog).toContain(`# bad: [${repo.shas.at(-1)}]`);
    expect((await replayInClone(repo.dir, d.session.bisectLog, 'hand')).firstBad).toBe(repo.culpritSha);
  });

  it('a malformed log is refused naming the line and what was expected; nothing is stored', async () => {
    const before = await sessionCount();
    const e = await expectBadRequest(
      suite.caller().sessions.import({ log: `git bisect start\n# bad: [${'a'.repeat(40)}] x\nBisecting: 4 revisions left to test after this (roughly 2 steps)\n` }),
      /^line 3: expected .*git bisect/,
    );
    expect(e.message).toContain("got 'Bisecting: 4 revisions");
    expect((e.cause as { field?: string } | undefined)?.field).toBe('log');
    await expectBadRequest(suite.caller().sessions.import({ log: '' }), /^line 1: expected a `git bisect start` line/);
    await expectBadRequest(suite.caller().sessions.import({ log: 'git bisect start\ngit bisect bad zzz\n' }), /^line 2: expected a hex sha/);
    await expectBadRequest(suite.caller().sessions.import({ log: `git bisect start\ngit bisect bad ${'b'.repeat(40)}\n` }), /never marks a `good` commit/);
    expect(await sessionCount()).toBe(before);
  });

  it('commits missing from the given repository are refused naming the line; nothing is stored', async () => {
    const before = await sessionCount();
    const log = fixture('seed-16-step.log');
    await expectBadRequest(suite.caller().sessions.import({ log, repoPath: repo.dir }), /commit `3e732ebf7316ac83e8562db7e64cc68aec390a18` \(line 3\) is not in /);
    await expectBadRequest(suite.caller().sessions.import({ log, repoPath: path.join(suite.tmp, 'nope') }), /does not exist/);
    expect(await sessionCount()).toBe(before);
  });

  it('a log over 10 MB is refused with a clear message', async () => {
    const before = await sessionCount();
    const big = `git bisect start\n${'# padding\n'.repeat(1_100_000)}`;
    await expectBadRequest(suite.caller().sessions.import({ log: big }), /at most 10 MB can be imported/);
    expect(await sessionCount()).toBe(before);
  });

  it('one transaction: a failure while storing steps leaves no session behind', async () => {
    const before = await sessionCount();
    const db = suite.handle.db;
    const failing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
        return (fn: (tx: unknown) => Promise<unknown>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get(t, p, r) {
                  if (p !== 'insert') return Reflect.get(t, p, r);
                  return (table: unknown) => (table === steps ? { values: () => Promise.reject(new Error('disk full')) } : t.insert(table as typeof sessions));
                },
              }),
            ),
          );
      },
    });
    await expect(importBisectLog(failing, { log: fixture('seed-16-step.log') })).rejects.toThrow('disk full');
    expect(await sessionCount()).toBe(before);
  });
});
