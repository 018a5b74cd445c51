import type { StrategyView, SuspectRuns } from '../events';
import type { Outcome, RangeGraph, Strategy } from '../strategy/types';
import { OUTSIDE } from '../strategy/types';
import type { Verdict } from '../types';
import type { Mark } from './bisection';
import { coalesceRuns, toRuns } from './range';

/** Most runs in the posterior band sent to the page. */
export const MAX_BAND_RUNS = 200;
/** Mass below which a commit no longer counts as suspected in flaky mode. */
const SUSPECT_MASS = 1e-4;

export function outcomeOf(verdict: Verdict): Outcome {
  return verdict === 'good' ? 'pass' : verdict === 'bad' ? 'fail' : 'skip';
}

/** The range with each commit's index, and which commits contain (descend from or are) a given one. */
export class RangeDag {
  private readonly index: Map<string, number>;

  constructor(
    readonly shas: readonly string[],
    readonly graph: RangeGraph,
  ) {
    this.index = new Map(shas.map((s, i) => [s, i]));
  }

  /** Index of a commit in the range, `OUTSIDE` for a good endpoint or anything else outside it. */
  indexOf(sha: string): number {
    return this.index.get(sha) ?? OUTSIDE;
  }

  sha(index: number): string {
    const sha = this.shas[index];
    if (sha === undefined) throw new Error(`commit index ${index} is outside the range`);
    return sha;
  }

  /** Ancestors-or-self of `index` inside the range. */
  ancestors(index: number): Uint8Array {
    const seen = new Uint8Array(this.graph.size);
    const stack = [index];
    seen[index] = 1;
    while (stack.length > 0) {
      const i = stack.pop() as number;
      for (const p of this.graph.parents[i] ?? []) {
        if (!seen[p]) {
          seen[p] = 1;
          stack.push(p);
        }
      }
    }
    return seen;
  }

  /** True when `commit` contains `culprit` (is it, or descends from it). */
  contains(commit: number, culprit: number): boolean {
    if (commit === OUTSIDE) return false;
    return this.ancestors(commit)[culprit] === 1;
  }
}

/**
 * The marks a flaky-mode answer implies for `git bisect replay`: every tested
 * commit is bad when it contains the culprit, good otherwise. Replayed by git,
 * they land on the same culprit.
 */
export function impliedMarks(dag: RangeDag, tested: readonly string[], culprit: number): Mark[] {
  const marks: Mark[] = [];
  for (const sha of new Set(tested)) {
    const i = dag.indexOf(sha);
    if (i !== OUTSIDE) marks.push({ sha, verdict: dag.contains(i, culprit) ? 'bad' : 'good' });
  }
  return marks;
}

/**
 * Orders marks for `git bisect replay`. git keeps one bad ref, the last commit
 * marked bad, so bad marks come last, the one with the fewest ancestors (the
 * culprit, when it was tested) at the very end; good and skip marks first.
 */
export function replayOrder(dag: RangeDag, marks: readonly Mark[]): Mark[] {
  const ancestorCount = (sha: string) => {
    const i = dag.indexOf(sha);
    return i === OUTSIDE ? 0 : dag.ancestors(i).reduce((n, b) => n + b, 0);
  };
  const bad = marks.filter((m) => m.verdict === 'bad').map((m) => ({ m, n: ancestorCount(m.sha) }));
  bad.sort((a, b) => b.n - a.n);
  return [...marks.filter((m) => m.verdict !== 'bad'), ...bad.map((b) => b.m)];
}

/** `# runs <sha>: 3 fail / 1 pass` comments for a bisect log (git bisect replay ignores them). */
export function runCountComments(observed: ReadonlyArray<{ sha: string; verdict: Verdict }>, terms: { old: string; new: string }): string {
  const counts = new Map<string, { fail: number; pass: number; skip: number }>();
  for (const o of observed) {
    const c = counts.get(o.sha) ?? { fail: 0, pass: 0, skip: 0 };
    c[outcomeOf(o.verdict)]++;
    counts.set(o.sha, c);
  }
  const lines = [...counts].map(([sha, c]) => `# runs ${sha}: ${c.fail} ${terms.new} / ${c.pass} ${terms.old}${c.skip ? ` / ${c.skip} skip` : ''}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Positions still suspected: any posterior mass at all in exact mode, a noticeable share in flaky mode. */
export function suspectRuns(strategy: Strategy, positionOf: (index: number) => number): SuspectRuns {
  const post = strategy.posterior();
  const floor = strategy.kind === 'git' ? 0 : SUSPECT_MASS;
  const positions: number[] = [];
  post.forEach((p, i) => {
    if (p > floor) positions.push(positionOf(i));
  });
  positions.sort((a, b) => a - b);
  return coalesceRuns(toRuns(positions.filter((p) => p >= 0)), 400);
}

/** The strategy's view for the page, with the posterior coarsened into at most MAX_BAND_RUNS runs. */
export function strategyView(strategy: Strategy, dag: RangeDag, positionOf: (index: number) => number, confidence?: number): StrategyView {
  const s = strategy.summary();
  const best = s.best ? { sha: dag.sha(s.best.index), position: positionOf(s.best.index), probability: s.best.probability } : null;
  return {
    kind: strategy.kind,
    ...(confidence !== undefined ? { confidence } : {}),
    best,
    none: s.none,
    badFails: s.badFails,
    goodFails: s.goodFails,
    runs: s.runs,
    expectedRunsLeft: s.expectedRunsLeft,
    band: posteriorBand(strategy.posterior(), positionOf),
  };
}

function posteriorBand(post: Float64Array, positionOf: (index: number) => number): Array<[number, number, number]> {
  const size = post.length;
  const byPosition = new Float64Array(size);
  post.forEach((p, i) => {
    const pos = positionOf(i);
    if (pos >= 0 && pos < size) byPosition[pos] = (byPosition[pos] ?? 0) + p;
  });
  const width = Math.max(1, Math.ceil(size / MAX_BAND_RUNS));
  const band: Array<[number, number, number]> = [];
  for (let start = 0; start < size; start += width) {
    let mass = 0;
    for (let i = start; i < Math.min(size, start + width); i++) mass += byPosition[i] ?? 0;
    if (mass > 1e-6) band.push([start, Math.min(size, start + width), mass]);
  }
  return band;
}
