/**
 * Fast, deterministic repository generation: the whole history is one `git
 * fast-import` stream (no `git commit` loop), so tens of thousands of commits
 * take seconds. Fixed identities, increasing timestamps and a seeded PRNG: the
 * same options always give the same shas. Used by the demo (its toy kernel
 * history), the tests and the benchmarks.
 *
 * git runs through the engine's runGit (argument arrays, the allowlisted child
 * environment), never a shell.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gitOk, runGit } from '../bisect/git';
import { mulberry32 } from '../util/rng';

// ---------------------------------------------------------------------------
// history planning
// ---------------------------------------------------------------------------

export interface GenOptions {
  /** Created if missing; `git init -q -b main`. Should be empty or a fresh repo. */
  dir: string;
  /** Total commits on the history (including merges). All are reachable from `main`. */
  commits: number;
  /**
   * If set, every N mainline commits a topic branch of 1-4 (see `topicSize`) commits forks off
   * `main` (with 0-2 more mainline commits made concurrently) and is merged back
   * with a two-parent merge commit. The history always ends with a plain
   * mainline commit.
   */
  mergeEvery?: number;
  /** Topic branch length range for `mergeEvery` (default 1..4 commits). */
  topicSize?: { min: number; max: number };
  /** Number of regular files in the tree (default 10); commits edit 1-3 of them. */
  files?: number;
  /**
   * 0-based index (creation order) of the commit introducing the bug: the file
   * `BUG` (content "bug\n") exists in exactly the commits that have it as
   * ancestor-or-self (minus those that have `fixAt`). With `mergeEvery`, the
   * culprit is made the first commit of a topic branch (when possible), so it
   * is reachable from `main` only through a merge.
   */
  culprit?: number;
  /** Index of the commit removing the bug again (descendants of it lack `BUG`). */
  fixAt?: number;
  /** Indices whose tree contains the file `BROKEN` (and only those). */
  unbuildable?: number[];
  /** Touch (rewrite) this path at the root and at every non-merge commit whose index is a multiple of `every`. */
  pathTouch?: { path: string; every: number };
  /** Lightweight tags: name -> commit index. */
  tags?: Record<string, number>;

  // --- extensions (all optional; used by the demo generator) ---------------
  /** PRNG seed (default 1). */
  seed?: number;
  /** Committer/author time of commit 0 (unix seconds, default 1700000000). */
  startTime?: number;
  /** Seconds between consecutive commits (default 60). */
  timeStep?: number;
  /** Override the regular file paths (then `files` is ignored). */
  fileNames?: string[];
  /** Files added at commit 0 and never touched again (e.g. scripts). */
  initialFiles?: Array<{ path: string; content: string; executable?: boolean }>;
  /** Path and content of the bug marker (default `BUG`, "bug\n"). */
  bugFile?: { path: string; content: string };
  /** Path and content of the unbuildable marker (default `BROKEN`, "broken\n"). */
  brokenFile?: { path: string; content: string };
  /** Pick the regular files a non-merge commit edits (default: 1-3 random ones). */
  pickFiles?: (c: CommitInfo, rand: () => number) => string[];
  /** Content of `path` after commit `c` edits it (also called for every file at commit 0). */
  editContent?: (path: string, c: CommitInfo) => string;
  /** Commit message (default: `commit N: edit PATHS`, `Merge branch 'topic-T'`). */
  message?: (c: CommitInfo, editedPaths: string[], rand: () => number) => string;
  /** Author identity of a commit (default: fixed "A U Thor <author@example.com>"). */
  author?: (c: CommitInfo) => { name: string; email: string };
  /** Check out `main` into the work tree after the import (default true). */
  checkout?: boolean;
}

export interface CommitInfo {
  /** 0-based creation index (also the fast-import mark minus one). */
  index: number;
  /** `main`: plain commit on the first-parent line; `topic`: on a topic branch; `merge`: merge of a topic into main. */
  kind: 'main' | 'topic' | 'merge';
  /** Parent indices; first parent first. Empty for the root. */
  parents: number[];
  /** Topic sequence number (0-based) for `topic` and `merge` commits. */
  topic?: number;
  /** Position within its topic branch (0-based) for `topic` commits. */
  topicPos?: number;
}

export interface GeneratedRepo {
  dir: string;
  /** Full shas in creation order. */
  shas: string[];
  culpritSha?: string;
  /** The planned history (same order as `shas`). */
  plan: CommitInfo[];
}


/**
 * The commit graph `generateRepo` will build for these options (deterministic).
 * Exposed so callers can place tags or special commits on mainline indices.
 */
export function planHistory(
  o: Pick<GenOptions, 'commits' | 'mergeEvery' | 'culprit' | 'seed' | 'topicSize'>,
): CommitInfo[] {
  const n = o.commits;
  if (!Number.isInteger(n) || n < 1) throw new Error(`commits must be a positive integer, got ${n}`);
  const every = o.mergeEvery;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw new Error(`mergeEvery must be a positive integer, got ${every}`);
  }
  const rand = mulberry32((o.seed ?? 1) ^ 0x9e3779b9);
  const plan: CommitInfo[] = [];
  let mainTip = -1;
  let sinceMerge = 0;
  let topicSeq = 0;

  while (plan.length < n) {
    const i = plan.length;
    const remaining = n - i;
    // A topic needs >= 1 topic commit + the merge + one mainline commit after it
    // (so the history always ends with a plain mainline commit).
    const culpritHere = o.culprit === i;
    const canTopic = every !== undefined && mainTip >= 0 && remaining >= 3;
    if (canTopic && (sinceMerge >= every || culpritHere)) {
      const budget = remaining - 2; // topic + concurrent mainline commits
      const minLen = Math.max(1, o.topicSize?.min ?? 1);
      const maxLen = Math.max(minLen, o.topicSize?.max ?? 4);
      let topicLen = minLen + Math.floor(rand() * (maxLen - minLen + 1));
      let concurrent = Math.floor(rand() * 3);
      // The culprit's topic gets a concurrent mainline commit right after it, so
      // the commit created after the culprit does not contain the bug.
      if (culpritHere && concurrent === 0) concurrent = 1;
      topicLen = Math.min(topicLen, budget);
      concurrent = Math.min(concurrent, budget - topicLen);
      // The culprit always starts a topic of its own: end this one before it.
      if (o.culprit !== undefined && o.culprit > i && o.culprit <= i + topicLen + concurrent) {
        const room = o.culprit - i - 1; // slots left for topic + concurrent commits
        if (room < 1) {
          plan.push({ index: i, kind: 'main', parents: [mainTip] });
          mainTip = i;
          sinceMerge++;
          continue;
        }
        topicLen = Math.min(topicLen, room);
        concurrent = Math.min(concurrent, room - topicLen);
      }
      const topic = topicSeq++;
      const fork = mainTip;
      let topicTip = fork;
      for (let k = 0; k < Math.max(topicLen, concurrent); k++) {
        if (k < topicLen) {
          plan.push({ index: plan.length, kind: 'topic', parents: [topicTip], topic, topicPos: k });
          topicTip = plan.length - 1;
        }
        if (k < concurrent) {
          plan.push({ index: plan.length, kind: 'main', parents: [mainTip] });
          mainTip = plan.length - 1;
        }
      }
      plan.push({ index: plan.length, kind: 'merge', parents: [mainTip, topicTip], topic });
      mainTip = plan.length - 1;
      sinceMerge = 0;
      continue;
    }
    plan.push({ index: i, kind: 'main', parents: mainTip >= 0 ? [mainTip] : [] });
    mainTip = i;
    sinceMerge++;
  }
  return plan;
}

// ---------------------------------------------------------------------------
// generation
// ---------------------------------------------------------------------------

function defaultFileNames(count: number): string[] {
  const names: string[] = [];
  for (let f = 0; f < count; f++) {
    const d = String(Math.floor(f / 100)).padStart(3, '0');
    names.push(`src/d${d}/f${String(f).padStart(5, '0')}.txt`);
  }
  return names;
}

function validIndex(name: string, v: number, n: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`${name} index ${v} is out of range 0..${n - 1}`);
}

/** Appends a fast-import `data` block (byte-counted). */
function dataBlock(s: string): string {
  return `data ${Buffer.byteLength(s, 'utf8')}\n${s}\n`;
}

/** Generates the repository described by `o` with a single `git fast-import` run. */
export async function generateRepo(o: GenOptions): Promise<GeneratedRepo> {
  const n = o.commits;
  const plan = planHistory(o);
  if (o.culprit !== undefined) validIndex('culprit', o.culprit, n);
  if (o.fixAt !== undefined) validIndex('fixAt', o.fixAt, n);
  for (const u of o.unbuildable ?? []) validIndex('unbuildable', u, n);
  for (const [t, v] of Object.entries(o.tags ?? {})) validIndex(`tag ${t}`, v, n);
  if (o.pathTouch && (!Number.isInteger(o.pathTouch.every) || o.pathTouch.every < 1)) {
    throw new Error(`pathTouch.every must be a positive integer`);
  }

  const dir = resolve(o.dir);
  await mkdir(dir, { recursive: true });
  await gitOk(dir, ['init', '-q', '-b', 'main']);

  const rand = mulberry32(o.seed ?? 1);
  const fileNames = o.fileNames ?? defaultFileNames(o.files ?? 10);
  if (fileNames.length === 0) throw new Error('a repository needs at least one regular file');
  const bugFile = o.bugFile ?? { path: 'BUG', content: 'bug\n' };
  const brokenFile = o.brokenFile ?? { path: 'BROKEN', content: 'broken\n' };
  const unbuildable = new Set(o.unbuildable ?? []);
  const startTime = o.startTime ?? 1_700_000_000;
  const timeStep = o.timeStep ?? 60;
  const editContent =
    o.editContent ?? ((path: string, c: CommitInfo) => `${path}\nrevision ${c.index}\n`);
  const pickFiles =
    o.pickFiles ??
    ((_c: CommitInfo, r: () => number) => {
      const k = 1 + Math.floor(r() * 3);
      const picked = new Set<string>();
      for (let j = 0; j < k; j++) picked.add(fileNames[Math.floor(r() * fileNames.length)]!);
      return [...picked];
    });
  const message =
    o.message ??
    ((c: CommitInfo, paths: string[]) =>
      c.kind === 'merge'
        ? `Merge branch 'topic-${c.topic}'\n`
        : `${c.kind === 'topic' ? `topic-${c.topic}` : 'main'}: commit ${c.index}\n\nEdits ${paths.join(', ')}.\n`);
  const author = o.author ?? (() => ({ name: 'A U Thor', email: 'author@example.com' }));

  // hasX[i]: X is an ancestor-or-self of commit i (parents precede children).
  const hasCulprit = new Uint8Array(n);
  const hasFix = new Uint8Array(n);
  const bug = new Uint8Array(n);
  // Files a topic branch changed since its fork point: carried into its merge.
  const topicChanges = new Map<number, Map<string, string>>();

  const chunks: string[] = [];
  for (const c of plan) {
    const i = c.index;
    const reach = (flags: Uint8Array, target: number | undefined): number =>
      i === target || c.parents.some((p) => flags[p] === 1) ? 1 : 0;
    hasCulprit[i] = reach(hasCulprit, o.culprit);
    hasFix[i] = reach(hasFix, o.fixAt);
    bug[i] = hasCulprit[i] === 1 && hasFix[i] !== 1 ? 1 : 0;

    const mods: string[] = [];
    const edited: string[] = [];
    const modify = (path: string, content: string, exec = false): void => {
      mods.push(`M ${exec ? '100755' : '100644'} inline ${path}\n${dataBlock(content)}`);
    };

    if (c.parents.length === 0) {
      for (const f of o.initialFiles ?? []) modify(f.path, f.content, f.executable === true);
      for (const f of fileNames) modify(f, editContent(f, c));
      if (o.pathTouch) modify(o.pathTouch.path, `touched at ${i}\n`);
    } else if (c.kind === 'merge') {
      const changes = topicChanges.get(c.topic!);
      topicChanges.delete(c.topic!);
      for (const [path, content] of changes ?? []) {
        modify(path, content);
        edited.push(path);
      }
    } else {
      const changes = c.kind === 'topic' ? (topicChanges.get(c.topic!) ?? new Map<string, string>()) : undefined;
      if (changes) topicChanges.set(c.topic!, changes);
      const paths = pickFiles(c, rand);
      if (o.pathTouch && i % o.pathTouch.every === 0) paths.push(o.pathTouch.path);
      for (const path of new Set(paths)) {
        const content = path === o.pathTouch?.path ? `touched at ${i}\n` : editContent(path, c);
        modify(path, content);
        changes?.set(path, content);
        edited.push(path);
      }
    }

    // Marker files: present exactly where wanted, relative to the first parent.
    const p0 = c.parents[0];
    const hadBug = p0 !== undefined && bug[p0] === 1;
    if (bug[i] === 1 && !hadBug) modify(bugFile.path, bugFile.content);
    if (bug[i] !== 1 && hadBug) mods.push(`D ${bugFile.path}\n`);
    const hadBroken = p0 !== undefined && unbuildable.has(p0);
    if (unbuildable.has(i) && !hadBroken) modify(brokenFile.path, brokenFile.content);
    if (!unbuildable.has(i) && hadBroken) mods.push(`D ${brokenFile.path}\n`);

    const when = startTime + i * timeStep;
    const who = author(c);
    let msg = message(c, edited, rand);
    if (!msg.endsWith('\n')) msg += '\n';
    chunks.push(
      `commit refs/heads/main\nmark :${i + 1}\n` +
        `author ${who.name} <${who.email}> ${when} +0000\n` +
        `committer C O Mitter <committer@example.com> ${when} +0000\n` +
        dataBlock(msg) +
        (p0 !== undefined ? `from :${p0 + 1}\n` : '') +
        c.parents
          .slice(1)
          .map((p) => `merge :${p + 1}\n`)
          .join('') +
        mods.join('') +
        '\n',
    );
  }
  // Every topic is merged before the end, so the last commit is main's tip;
  // reset main explicitly anyway.
  chunks.push(`reset refs/heads/main\nfrom :${n}\n\n`);
  for (const [tag, idx] of Object.entries(o.tags ?? {})) {
    chunks.push(`reset refs/tags/${tag}\nfrom :${idx + 1}\n\n`);
  }
  chunks.push('done\n');

  const marksFile = join(dir, '.git', 'generate-marks');
  const r = await runGit(
    dir,
    ['fast-import', '--quiet', '--done', `--export-marks=${marksFile}`],
    chunks.join(''),
    // glibc otherwise returns memory to the OS after nearly every tree write
    // (~180k brk calls for 10k commits); keeping a pad makes the import ~2.5x faster.
    { MALLOC_TOP_PAD_: String(64 << 20), MALLOC_TRIM_THRESHOLD_: String(256 << 20) },
  );
  if (r.code !== 0) throw new Error(`git fast-import failed (exit ${r.code}): ${r.stderr.trim()}`);

  const shas: string[] = new Array<string>(n);
  for (const line of (await readFile(marksFile, 'utf8')).split('\n')) {
    const m = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
    if (m) shas[Number(m[1]) - 1] = m[2]!;
  }
  await rm(marksFile, { force: true });
  for (let i = 0; i < n; i++) if (!shas[i]) throw new Error(`fast-import did not report commit ${i}`);

  if (o.checkout !== false) await gitOk(dir, ['reset', '-q', '--hard', 'main']);

  return {
    dir,
    shas,
    plan,
    ...(o.culprit !== undefined ? { culpritSha: shas[o.culprit]! } : {}),
  };
}
