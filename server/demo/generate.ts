/**
 * The "Try the demo" repository: a toy Linux-like history of ~2,000 commits
 * with merges, tags v5.10 (good) and v5.15 (bad), one planted regression
 * ("virtio: fix up virtio_disable_cb") and a handful of unbuildable commits.
 * Bisecting it with the returned recipe (build, then copies of the built
 * guest image to the in-process simulated guest, see guest.ts) takes ~11-13
 * steps and well under a minute.
 *
 * Generation goes through `git fast-import` (see engine/repo-gen/generate.ts) and
 * takes about a second. It is deterministic: same shas every time.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { runGit } from '../engine/bisect/git';
import { generateRepo, planHistory, type CommitInfo } from '../engine/repo-gen/generate';
import {
  BODIES,
  BROKEN_FILE,
  BUG_FILE,
  BUILD_SH,
  MAINTAINER,
  PEOPLE,
  REPRO_SH,
  SUBJECTS,
  SUBSYSTEMS,
  makefile,
  sourceFile,
  type Subsystem,
} from './toy-kernel';
import { DEMO_COPIES, DEMO_GUEST } from './guest';
import { KCONFIG_FILES } from './toy-kconfig';

export interface DemoScriptPhase {
  name: string;
  kind: 'script';
  run: string;
  timeoutSec: number;
  onFailure: 'exitcode' | 'bad' | 'skip' | 'abort';
  onTimeout: 'bad' | 'skip' | 'abort';
}

/** The demo's reproducer: copies of the guest image to the simulated guest (see guest.ts). */
export interface DemoTransferPhase {
  name: string;
  kind: 'transfer';
  on: string;
  file: string;
  copies: number;
  sink: string;
  copyTimeoutSec: number;
  stallSec: number;
  onFailure: 'bad';
}

export type DemoPhase = DemoScriptPhase | DemoTransferPhase;

export interface DemoRecipe {
  phases: DemoPhase[];
}

export interface DemoRepo {
  /** Absolute path of the repository. */
  dir: string;
  /** Bad ref to start from: the tag `v5.15` (the tip of `main`). */
  bad: string;
  /** Good ref to start from: the tag `v5.10`. */
  good: string;
  /** Full sha of `v5.15`. */
  badSha: string;
  /** Full sha of `v5.10`. */
  goodSha: string;
  /** Full sha of the planted regression, "virtio: fix up virtio_disable_cb". */
  culpritSha: string;
  /** Full shas of the commits where the build fails. */
  unbuildableShas: string[];
  recipe: DemoRecipe;
}

/** Bump whenever the generated content changes: older demos get regenerated. */
export const DEMO_FORMAT = 3;
export const DEMO_COMMITS = 2000;
export const CULPRIT_SUBJECT = 'virtio: fix up virtio_disable_cb';
const META_FILE = 'bisect-dashboard-demo.json';

/**
 * Build, then copy the built guest image into the simulated guest DEMO_COPIES
 * times: a kernel with the regression hangs one copy, which stalls after
 * `stallSec` (red in the live graph) and makes the commit bad. A healthy copy
 * takes about 0.8 s, so the whole demo stays well under a minute.
 */
export const DEMO_RECIPE: DemoRecipe = {
  phases: [
    { name: 'build', kind: 'script', run: './build.sh', timeoutSec: 120, onFailure: 'skip', onTimeout: 'skip' },
    {
      name: 'copy',
      kind: 'transfer',
      on: DEMO_GUEST,
      file: 'out/guest.img',
      copies: DEMO_COPIES,
      sink: '/dev/null',
      copyTimeoutSec: 30,
      stallSec: 1,
      onFailure: 'bad',
    },
  ],
};

interface Meta extends Omit<DemoRepo, 'dir' | 'recipe'> {
  format: number;
}

/** Cheap deterministic integer hash. */
function hash(n: number): number {
  let x = (n + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function pick<T>(list: readonly T[], n: number): T {
  return list[hash(n) % list.length]!;
}

/** Everything about the demo history that is decided before generation. */
function designHistory() {
  const n = DEMO_COMMITS;
  const seed = 510;
  const culprit = Math.floor(n * 0.63);
  const plan = planHistory({ commits: n, mergeEvery: 3, topicSize: { min: 2, max: 7 }, culprit, seed });
  const culpritInfo = plan[culprit]!;
  if (culpritInfo.kind !== 'topic' || culpritInfo.topic === undefined) {
    throw new Error('demo plan: the culprit did not land on a topic branch');
  }
  const culpritMerge = plan.find((c) => c.kind === 'merge' && c.topic === culpritInfo.topic)!;

  const isPlainMain = (i: number): boolean => {
    const c = plan[i];
    return c !== undefined && c.kind === 'main' && c.parents.length === 1;
  };
  const taken = new Set<number>();
  /** First plain mainline commit at or after `target` not yet used for something. */
  const mainAt = (target: number, avoid?: (i: number) => boolean): number => {
    for (let i = Math.max(1, Math.floor(target)); i < n; i++) {
      if (isPlainMain(i) && !taken.has(i) && !avoid?.(i)) {
        taken.add(i);
        return i;
      }
    }
    throw new Error(`demo plan: no mainline commit at or after ${target}`);
  };

  // Releases: the Makefile changes at "Linux 5.x-rcN" and "Linux 5.x" commits.
  const releases = new Map<number, { patchlevel: number; extra: string }>();
  const tags: Record<string, number> = {};
  taken.add(n - 1);
  tags['v5.15'] = n - 1;
  releases.set(n - 1, { patchlevel: 15, extra: '' });
  const rc7 = mainAt(18);
  releases.set(rc7, { patchlevel: 10, extra: '-rc7' });
  const v510 = mainAt(40);
  tags['v5.10'] = v510;
  releases.set(v510, { patchlevel: 10, extra: '' });
  const cycle = (n - 1 - v510) / 5;
  for (let k = 1; k <= 5; k++) {
    const start = v510 + (k - 1) * cycle;
    for (let rc = 1; rc <= 7; rc++) {
      const at = mainAt(start + cycle * (0.3 + 0.09 * (rc - 1)));
      releases.set(at, { patchlevel: 10 + k, extra: `-rc${rc}` });
    }
    if (k < 5) {
      const at = mainAt(v510 + k * cycle);
      releases.set(at, { patchlevel: 10 + k, extra: '' });
      tags[`v5.${10 + k}`] = at;
    }
  }

  // Unbuildable commits: scattered, far from the regression and its merge.
  const far = (i: number): boolean => Math.abs(i - culprit) > 25 && Math.abs(i - culpritMerge.index) > 25;
  const unbuildable = [0.12, 0.3, 0.47, 0.8, 0.93].map((f) => mainAt(v510 + f * (n - 1 - v510), (i) => !far(i)));

  return { n, seed, plan, culprit, culpritTopic: culpritInfo.topic, releases, tags, unbuildable, v510 };
}

function subsystemOf(c: CommitInfo, culpritTopic: number): Subsystem {
  if (c.topic !== undefined) {
    return c.topic === culpritTopic ? SUBSYSTEMS[0]! : pick(SUBSYSTEMS, c.topic * 7919 + 17);
  }
  return pick(SUBSYSTEMS, c.index);
}

async function readMeta(dir: string): Promise<Meta | null> {
  try {
    const meta = JSON.parse(await readFile(join(dir, '.git', META_FILE), 'utf8')) as Meta;
    if (meta.format !== DEMO_FORMAT) return null;
    const tip = await runGit(dir, ['rev-parse', '-q', '--verify', 'refs/tags/v5.15^{commit}']);
    const base = await runGit(dir, ['rev-parse', '-q', '--verify', 'refs/tags/v5.10^{commit}']);
    if (tip.stdout.trim() !== meta.badSha || base.stdout.trim() !== meta.goodSha) return null;
    return meta;
  } catch {
    return null;
  }
}

function toRepo(dir: string, meta: Meta): DemoRepo {
  const { format: _format, ...rest } = meta;
  return { dir, ...rest, recipe: structuredClone(DEMO_RECIPE) };
}

/** Builds the demo history into `dir` (which must be empty or missing). */
async function build(dir: string): Promise<Meta> {
  const d = designHistory();
  const fileFunctions = new Map<string, string[]>();
  for (const s of SUBSYSTEMS) for (const f of s.files) fileFunctions.set(f, s.functions);
  const topicSubjects = new Map<number, string[]>();
  const releaseAt = (i: number) => d.releases.get(i);
  const unbuildable = new Set(d.unbuildable);

  const subjectFor = (c: CommitInfo, s: Subsystem): string => {
    if (c.index === d.culprit) return CULPRIT_SUBJECT;
    const h = hash(c.index * 31 + 7);
    const f = s.functions[h % s.functions.length]!;
    const g = s.functions[(h >>> 8) % s.functions.length]!;
    const t = SUBJECTS[(h >>> 16) % SUBJECTS.length]!;
    return t.replace('P', s.prefix).replace('F', f).replace('G', g === f ? `${f}_locked` : g);
  };

  const repo = await generateRepo({
    dir,
    commits: d.n,
    mergeEvery: 3,
    topicSize: { min: 2, max: 7 },
    seed: d.seed,
    culprit: d.culprit,
    unbuildable: d.unbuildable,
    tags: d.tags,
    startTime: 1_606_500_000, // late Nov 2020, around v5.10-rc6
    timeStep: 14_000, // ~2000 commits up to v5.15 (end of Oct 2021)
    fileNames: ['Makefile', ...SUBSYSTEMS.flatMap((s) => s.files)],
    initialFiles: [
      { path: 'build.sh', content: BUILD_SH, executable: true },
      { path: 'repro.sh', content: REPRO_SH, executable: true },
      { path: '.gitignore', content: '/out/\n/build/\n.config\n.config.old\n' },
      ...KCONFIG_FILES,
      {
        path: 'README',
        content:
          'Toy kernel for the Bisect Dashboard demo\n\n' +
          'Not a real kernel: ./build.sh pretends to build it (and writes the guest\n' +
          'image out/guest.img); the dashboard then copies that image into a simulated\n' +
          'VM, and ./repro.sh pretends to do the same from a shell. Somewhere between\n' +
          'v5.10 and v5.15 a virtio change made the copies hang; bisect to find it.\n',
      },
    ],
    bugFile: BUG_FILE,
    brokenFile: BROKEN_FILE,
    pickFiles: (c, rand) => {
      if (releaseAt(c.index)) return ['Makefile'];
      // The culprit only adds the quirk header, so reverting it on v5.15 applies cleanly (the demo ends verified).
      if (c.index === d.culprit) return [];
      if (unbuildable.has(c.index)) return ['drivers/net/virtio_net.c'];
      const s = subsystemOf(c, d.culpritTopic);
      const k = rand() < 0.75 ? 1 : 2;
      const out = new Set<string>();
      for (let j = 0; j < k; j++) out.add(s.files[Math.floor(rand() * s.files.length)]!);
      return [...out];
    },
    editContent: (path, c) => {
      if (path === 'Makefile') {
        const r = releaseAt(c.index);
        return r ? makefile(r.patchlevel, r.extra) : makefile(10, '-rc6');
      }
      return sourceFile(path, fileFunctions.get(path) ?? [], c.index);
    },
    author: (c) => {
      if (c.kind === 'merge' || releaseAt(c.index) || c.parents.length === 0) return MAINTAINER;
      return pick(PEOPLE, c.index * 13 + 5);
    },
    message: (c) => {
      const who = c.kind === 'merge' || releaseAt(c.index) ? MAINTAINER : pick(PEOPLE, c.index * 13 + 5);
      if (c.parents.length === 0) return 'Linux 5.10-rc6\n';
      const r = releaseAt(c.index);
      if (r) return `Linux 5.${r.patchlevel}${r.extra}\n`;
      const s = subsystemOf(c, d.culpritTopic);
      if (c.kind === 'merge') {
        const subjects = topicSubjects.get(c.topic!) ?? [];
        topicSubjects.delete(c.topic!);
        const pl = 11 + Math.min(4, Math.max(0, Math.floor((c.index - d.v510) / ((d.n - d.v510) / 5))));
        const head =
          hash(c.index) % 2 === 0
            ? `Merge branch '${s.branch}'`
            : `Merge tag '${s.tagStem}-5.${pl}' of git://git.kernel.org/pub/scm/linux/kernel/git/${s.tree}`;
        const list = subjects.map((x) => ` - ${x.replace(/^[^:]+: /, '')}`).join('\n');
        return `${head}\n\nPull ${s.prefix} updates:\n\n${list}\n\n* ${s.branch}: (${subjects.length} commits)\n`;
      }
      let subject = subjectFor(c, s);
      if (unbuildable.has(c.index)) subject = 'virtio_net: split virtnet_napi_tx_disable() out of virtnet_close()';
      if (c.topic !== undefined) {
        const list = topicSubjects.get(c.topic) ?? [];
        list.push(subject);
        topicSubjects.set(c.topic, list);
      }
      const body =
        c.index === d.culprit
          ? 'virtio_disable_cb() is called on every interrupt; the barrier it\n' +
            'issues shows up in profiles of virtio-net under load. Skip it when\n' +
            'callbacks are already disabled.\n\nAdd VIRTIO_RING_LAZY_DISABLE_CB to opt in.'
          : pick(BODIES, c.index * 3 + 1);
      return `${subject}\n\n${body}\n\nSigned-off-by: ${who.name} <${who.email}>\n`;
    },
  });

  const sha = (i: number): string => repo.shas[i]!;
  return {
    format: DEMO_FORMAT,
    bad: 'v5.15',
    good: 'v5.10',
    badSha: sha(d.tags['v5.15']!),
    goodSha: sha(d.tags['v5.10']!),
    culpritSha: sha(d.culprit),
    unbuildableShas: d.unbuildable.map(sha),
  };
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Returns the demo repository in `dir`, generating it if needed. An existing
 * demo (same format) is reused as is. A non-empty `dir` that is not a demo is
 * never touched: that is an error. Safe to call concurrently: the repository
 * is built in a sibling temp dir and renamed into place.
 */
export async function generateDemoRepo(dir: string): Promise<DemoRepo> {
  const target = resolve(dir);
  const existing = await readMeta(target);
  if (existing) return toRepo(target, existing);

  if (!(await isEmptyOrMissing(target))) {
    // An outdated demo of ours is replaced; anything else is left alone.
    const ours = await readFile(join(target, '.git', META_FILE), 'utf8').then(
      () => true,
      () => false,
    );
    if (!ours) throw new Error(`${target} is not empty and does not hold a generated demo repository`);
    await rm(target, { recursive: true, force: true });
  }

  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const meta = await build(tmp);
    await writeFile(join(tmp, '.git', META_FILE), JSON.stringify(meta, null, 2) + '\n');
    try {
      await rename(tmp, target); // replaces an empty or missing target atomically
    } catch (e) {
      // Someone else finished first: use theirs if it is a valid demo.
      const theirs = await readMeta(target);
      if (theirs) return toRepo(target, theirs);
      throw e;
    }
    return toRepo(target, meta);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
