/**
 * Pure part of importing a `git bisect log`: which marks were the range's
 * endpoints, which were bisect steps, and (without a repository) a schematic
 * layout of the steps on a line. No git, no database.
 */
import type { SuspectRuns } from '../engine/events';
import type { BisectMark, ParsedBisectLog } from '../engine/bisect-log';
import { UserInputError } from '../engine/types';

export interface PlannedCommit {
  /** As written in the log: a full or abbreviated sha, or a ref on the start line. */
  rev: string;
  /** Full or abbreviated sha when known (from the log), else null (a ref without a comment). */
  sha: string | null;
  subject: string | null;
  /** 1-based line of the log it came from. */
  line: number;
}

export interface PlannedStep extends PlannedCommit {
  verdict: 'good' | 'bad' | 'skip';
  /** The word git used: an old/new term or `skip`. */
  term: string;
}

export interface ImportPlan {
  terms: { old: string; new: string };
  bad: PlannedCommit;
  goods: PlannedCommit[];
  steps: PlannedStep[];
}

/**
 * Splits the log into the range (bad + good endpoints) and the steps. The
 * endpoints are the revs of `git bisect start` plus every mark made before git
 * knew both a bad and a good commit (a bare `git bisect start` followed by
 * `git bisect bad X` / `git bisect good Y`, as the seed log does); every later
 * mark is a step.
 */
export function planImport(p: ParsedBisectLog): ImportPlan {
  let bad: PlannedCommit | null = null;
  const goods: PlannedCommit[] = [];
  for (const r of p.startRevs ?? []) {
    const c: PlannedCommit = { rev: r.rev, sha: r.sha ?? (isHex(r.rev) ? r.rev.toLowerCase() : null), subject: r.subject, line: 0 };
    if (r.verdict === 'bad') bad = c;
    else goods.push(c);
  }
  const steps: PlannedStep[] = [];
  for (const m of p.marks) {
    if ((bad === null || goods.length === 0) && m.verdict !== 'skip') {
      const c = fromMark(m);
      if (m.verdict === 'bad') bad = c;
      else goods.push(c);
      continue;
    }
    steps.push({ ...fromMark(m), verdict: m.verdict, term: m.term });
  }
  const lastLine = p.marks.at(-1)?.line ?? 1;
  if (bad === null) {
    throw new UserInputError(`the log never marks a \`${p.terms.new}\` commit (line ${lastLine}): there is no range to show`, 'log');
  }
  if (goods.length === 0) {
    throw new UserInputError(`the log never marks a \`${p.terms.old}\` commit (line ${lastLine}): there is no range to show`, 'log');
  }
  return { terms: p.terms, bad, goods, steps };
}

function fromMark(m: BisectMark): PlannedCommit {
  return { rev: m.sha, sha: m.sha, subject: m.subject, line: m.line };
}

function isHex(s: string): boolean {
  return /^[0-9a-fA-F]{4,64}$/.test(s);
}

export interface SchematicLayout {
  size: number;
  /** Position of each step's commit, in step order. */
  positions: number[];
  /** Suspect runs after each step, in step order. */
  suspects: SuspectRuns[];
  /** Position of the culprit, or of each candidate, at the end. */
  finalPositions: number[];
}

/** How much an interval may grow per step, walking backwards: keeps long logs readable. */
const MAX_GROWTH = 1 << 16;

/**
 * Without a repository the commits' places in the range are unknown. This lays
 * the steps out as an ideal binary search that ends where the log ends: walking
 * backwards from the final suspect interval (the culprit, or the candidates),
 * a `bad` step at position p means the interval before it ran on past p, a
 * `good` step means it started before p; a skip leaves it as it was. The result
 * is a faithful picture of the order of events, not of commit counts.
 */
export function schematicLayout(steps: Array<Pick<PlannedStep, 'verdict' | 'sha'>>, finalShas: string[]): SchematicLayout {
  const n = steps.length;
  const finalSize = Math.max(1, finalShas.length);
  // after[i] = suspect interval [a, b) after step i; before step 0 it is start.
  const after: Array<[number, number]> = new Array(n);
  const positions: number[] = new Array(n);
  let cur: [number, number] = [0, finalSize];
  for (let i = n - 1; i >= 0; i--) {
    after[i] = [cur[0], cur[1]];
    const s = steps[i]!;
    const [a, b] = cur;
    const width = b - a;
    const grow = Math.max(1, Math.min(width, MAX_GROWTH));
    if (s.verdict === 'bad') {
      positions[i] = b - 1;
      cur = [a, b + grow];
    } else if (s.verdict === 'good') {
      positions[i] = a - 1;
      cur = [a - grow, b];
    } else {
      const k = s.sha === null ? -1 : finalShas.findIndex((f) => sameSha(f, s.sha as string));
      positions[i] = k >= 0 ? k : a + Math.floor(width / 2);
    }
  }
  const shift = -cur[0];
  const size = cur[1] - cur[0];
  return {
    size,
    positions: positions.map((p) => p + shift),
    suspects: after.map(([a, b]) => [[a + shift, b + shift]] as SuspectRuns),
    finalPositions: Array.from({ length: finalShas.length }, (_, i) => i + shift),
  };
}

export function sameSha(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.startsWith(y) || y.startsWith(x);
}

/** git's estimate_bisect_steps(): roughly how many steps `all` suspects take. */
export function estimateBisectSteps(all: number): number {
  if (all < 3) return 0;
  const n = Math.floor(Math.log2(all));
  const e = 2 ** n;
  const x = all - e;
  return e < 3 * x ? n : n - 1;
}
