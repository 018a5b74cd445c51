import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recipeSchema } from '../engine/recipe';
import { gitBisectRun, gitOk } from '../engine/testing/repo';
import { makeTempDir, removeDir, writeScript } from '../engine/testing/scripts';
import { CULPRIT_SUBJECT, DEMO_COMMITS, generateDemoRepo, type DemoRepo } from './generate';
import { DEMO_COPIES, DEMO_GUEST } from './guest';
import { parseImageHeader } from './guest-behaviour';

let tmp: string;
let demo: DemoRepo;
let genMs = 0;

beforeAll(async () => {
  tmp = await makeTempDir('demo-test-');
  const t0 = performance.now();
  demo = await generateDemoRepo(join(tmp, 'demo'));
  genMs = performance.now() - t0;
  console.log(`generateDemoRepo: ${DEMO_COMMITS} commits in ${(genMs / 1000).toFixed(2)} s`);
});
afterAll(async () => {
  await removeDir(tmp);
});

function run(cmd: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, [], { cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Runs `fn` in a detached worktree at `sha`, leaving the demo checkout alone. */
async function inWorktree<T>(sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const wt = join(tmp, `wt-${sha.slice(0, 12)}`);
  await gitOk(demo.dir, ['worktree', 'add', '-q', '--detach', wt, sha]);
  try {
    return await fn(wt);
  } finally {
    await gitOk(demo.dir, ['worktree', 'remove', '--force', wt]);
  }
}

describe('generateDemoRepo', () => {
  it('is fast and has the promised shape', async () => {
    expect(genMs).toBeLessThan(15_000);
    const d = demo.dir;
    expect(demo.bad).toBe('v5.15');
    expect(demo.good).toBe('v5.10');
    expect((await gitOk(d, ['rev-parse', 'v5.15'])).trim()).toBe(demo.badSha);
    expect((await gitOk(d, ['rev-parse', 'main'])).trim()).toBe(demo.badSha);
    expect((await gitOk(d, ['rev-parse', 'v5.10'])).trim()).toBe(demo.goodSha);
    expect((await gitOk(d, ['rev-list', '--count', 'main'])).trim()).toBe(String(DEMO_COMMITS));
    expect((await gitOk(d, ['tag'])).trim().split('\n')).toEqual(['v5.10', 'v5.11', 'v5.12', 'v5.13', 'v5.14', 'v5.15']);

    const inRange = Number((await gitOk(d, ['rev-list', '--count', 'v5.10..v5.15'])).trim());
    expect(inRange).toBeGreaterThan(1_800);
    const merges = Number((await gitOk(d, ['rev-list', '--count', '--merges', 'v5.10..v5.15'])).trim());
    expect(merges).toBeGreaterThanOrEqual(1);
    expect((await gitOk(d, ['log', '-1', '--format=%s', 'v5.15'])).trim()).toBe('Linux 5.15');
    expect((await gitOk(d, ['show', 'v5.10:Makefile']))).toMatch(/^VERSION = 5\nPATCHLEVEL = 10\nSUBLEVEL = 0\nEXTRAVERSION = $/m);
    expect((await gitOk(d, ['show', 'v5.15:Makefile']))).toMatch(/^PATCHLEVEL = 15$/m);

    // kernel-ish layout and subjects
    const files = (await gitOk(d, ['ls-tree', '-r', '--name-only', 'main'])).split('\n');
    for (const f of ['Makefile', 'build.sh', 'repro.sh', 'drivers/virtio/virtio_ring.c', 'net/core/dev.c']) {
      expect(files).toContain(f);
    }
    const subjects = (await gitOk(d, ['log', '--format=%s', 'v5.10..v5.15'])).split('\n');
    expect(subjects.some((s) => s.startsWith('virtio: '))).toBe(true);
    expect(subjects.some((s) => s.startsWith('net: '))).toBe(true);
    expect(subjects).toContain("Merge branch 'net-next'");
    expect(subjects.filter((s) => s === CULPRIT_SUBJECT)).toHaveLength(1);

    // scripts are committed, executable, unchanged at every commit
    const scriptLog = (await gitOk(d, ['log', '--format=%H', 'main', '--', 'build.sh', 'repro.sh'])).trim().split('\n');
    expect(scriptLog).toHaveLength(1); // added by the root commit only
    expect((await gitOk(d, ['ls-tree', 'v5.10', 'build.sh', 'repro.sh'])).match(/^100755 /gm)).toHaveLength(2);
    expect((await gitOk(d, ['status', '--porcelain'])).trim()).toBe('');
  });

  it('plants the regression on a topic branch, reachable from v5.15 and not from v5.10', async () => {
    const d = demo.dir;
    expect((await gitOk(d, ['log', '-1', '--format=%s', demo.culpritSha])).trim()).toBe(CULPRIT_SUBJECT);
    const range = new Set((await gitOk(d, ['rev-list', 'v5.10..v5.15'])).trim().split('\n'));
    expect(range.has(demo.culpritSha)).toBe(true);
    const firstParent = new Set((await gitOk(d, ['rev-list', '--first-parent', 'main'])).trim().split('\n'));
    expect(firstParent.has(demo.culpritSha)).toBe(false);
  });

  it('has ~5 scattered unbuildable commits, none next to the regression', async () => {
    const d = demo.dir;
    expect(demo.unbuildableShas.length).toBeGreaterThanOrEqual(4);
    expect(demo.unbuildableShas.length).toBeLessThanOrEqual(6);
    const range = new Set((await gitOk(d, ['rev-list', 'v5.10..v5.15'])).trim().split('\n'));
    const near = new Set<string>([demo.culpritSha]);
    for (const line of (await gitOk(d, ['rev-list', '--parents', 'main'])).trim().split('\n')) {
      const [c, ...ps] = line.split(' ');
      if (c === demo.culpritSha) ps.forEach((p) => near.add(p));
      if (ps.includes(demo.culpritSha)) near.add(c!);
    }
    for (const sha of demo.unbuildableShas) {
      expect(range.has(sha)).toBe(true);
      expect(near.has(sha)).toBe(false);
    }
  });

  it('build.sh prints coloured make-like output and fails only on unbuildable commits', async () => {
    const ok = await run('./build.sh', demo.dir);
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(100);
    expect(lines.length).toBeLessThanOrEqual(300);
    expect(ok.stdout).toContain('  \x1b[32mCC\x1b[0m      drivers/virtio/virtio_ring.o');
    expect(ok.stdout).toMatch(/Kernel: arch\/x86\/boot\/bzImage is ready/);
    expect(ok.ms).toBeGreaterThan(200);
    expect(ok.ms).toBeLessThan(5_000);

    const broken = await inWorktree(demo.unbuildableShas[0]!, (wt) => run('./build.sh', wt));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/\x1b\[1;31m.*error: /);
  });

  it('repro.sh does 15 copies when healthy and fails at copy 3-7 from the regression on', async () => {
    const good = await inWorktree(`${demo.culpritSha}~1`, (wt) => run('./repro.sh', wt));
    expect(good.code).toBe(0);
    const copies = good.stdout.match(/^copy \d+\/15: 2048 MiB in 0\.0\ds$/gm) ?? [];
    expect(copies).toHaveLength(15);
    expect(good.ms).toBeLessThan(3_000);

    const bad = await inWorktree(demo.culpritSha, (wt) => run('./repro.sh', wt));
    expect(bad.code).toBe(1);
    const m = /FAIL\x1b\[0m: copy (\d+)\/15 failed/.exec(bad.stdout);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(m?.[1])).toBeLessThanOrEqual(7);

    expect((await run('./repro.sh', demo.dir)).code).toBe(1); // v5.15 is affected
  });

  it('returns a valid recipe: build (skip on failure), then copies of the built image to the simulated guest', () => {
    const parsed = recipeSchema.parse(demo.recipe);
    expect(parsed.phases.map((p) => [p.name, p.kind, 'run' in p ? p.run : null, p.onFailure, p.on])).toEqual([
      ['build', 'script', './build.sh', 'skip', 'local'],
      ['copy', 'transfer', null, 'bad', DEMO_GUEST],
    ]);
    const copy = parsed.phases[1];
    expect(copy?.kind === 'transfer' && [copy.file, copy.copies, copy.stallSec]).toEqual(['out/guest.img', DEMO_COPIES, 1]);
  });

  it('build.sh marks GitLab-style sections and writes a sparse guest image saying whether the kernel has the regression', async () => {
    const good = await inWorktree(`${demo.culpritSha}~1`, async (wt) => ({ r: await run('./build.sh', wt), head: await readFile(join(wt, 'out/guest.img'), 'latin1').then((t) => t.slice(0, 512)), size: (await stat(join(wt, 'out/guest.img'))).size }));
    expect(good.r.code).toBe(0);
    expect(good.r.stdout).toMatch(/^\x1b\[0Ksection_start:\d+(\.\d+)?:compile\r\x1b\[0KCompile$/m);
    expect(good.r.stdout).toMatch(/^\x1b\[0Ksection_end:\d+(\.\d+)?:compile\r\x1b\[0K$/m);
    expect(good.size).toBe(64 * 1024 * 1024);
    expect(parseImageHeader(good.head)?.lazyDisableCb).toBe(false);
    const bad = await inWorktree(demo.culpritSha, async (wt) => ({ r: await run('./build.sh', wt), head: await readFile(join(wt, 'out/guest.img'), 'latin1').then((t) => t.slice(0, 512)) }));
    expect(bad.r.code).toBe(0);
    expect(parseImageHeader(bad.head)).toMatchObject({ lazyDisableCb: true, bytes: 64 * 1024 * 1024 });
    expect((await gitOk(demo.dir, ['check-ignore', 'out/guest.img'])).trim()).toBe('out/guest.img');
  });

  it('a real git bisect with build+repro finds exactly the regression in under a minute', async () => {
    const script = await writeScript(join(tmp, 'scripts'), 'bisect.sh', './build.sh >/dev/null 2>&1 || exit 125; ./repro.sh\n');
    const t0 = performance.now();
    const res = await gitBisectRun(demo.dir, { bad: demo.bad, good: [demo.good], script });
    const ms = performance.now() - t0;
    const steps = (res.log.match(/^git bisect (good|bad|skip) /gm) ?? []).length;
    console.log(`demo bisect: ${steps} steps in ${(ms / 1000).toFixed(1)} s`);
    expect(res.firstBad).toBe(demo.culpritSha);
    expect(steps).toBeGreaterThanOrEqual(10);
    expect(steps).toBeLessThanOrEqual(16);
    expect(ms).toBeLessThan(60_000);
  });

  it('reuses an existing demo and is deterministic', async () => {
    const metaPath = join(demo.dir, '.git', 'bisect-dashboard-demo.json');
    const before = (await stat(metaPath)).mtimeMs;
    const t0 = performance.now();
    const again = await generateDemoRepo(demo.dir);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(again).toEqual(demo);
    expect((await stat(metaPath)).mtimeMs).toBe(before);

    // two concurrent first-time callers agree, and shas are the same as before
    const other = join(tmp, 'nested', 'demo2');
    const [a, b] = await Promise.all([generateDemoRepo(other), generateDemoRepo(other)]);
    expect(a.culpritSha).toBe(demo.culpritSha);
    expect(b).toEqual(a);
    expect((await gitOk(other, ['rev-parse', 'v5.15'])).trim()).toBe(demo.badSha);
  });

  it('refuses to overwrite a non-empty directory that is not a demo', async () => {
    const dir = join(tmp, 'not-a-demo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'precious.txt'), 'keep me\n');
    await expect(generateDemoRepo(dir)).rejects.toThrow(/not empty/);
  });
});
