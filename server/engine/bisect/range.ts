import type { SuspectRuns } from '../events';

/** Most runs kept per step; finer detail than this is invisible on a timeline. */
export const MAX_SUSPECT_RUNS = 400;

/** Positions of the bisect range's commits in git's order, oldest first. */
export class RangeIndex {
  private readonly positions = new Map<string, number>();

  constructor(readonly shas: readonly string[]) {
    shas.forEach((sha, i) => this.positions.set(sha, i));
  }

  get size(): number {
    return this.shas.length;
  }

  /** Position of a commit, or -1 when it is outside the range. */
  position(sha: string): number {
    return this.positions.get(sha) ?? -1;
  }

  /** Half-open runs of the positions of `shas`, coalesced to at most `maxRuns`. */
  runs(shas: Iterable<string>, maxRuns = MAX_SUSPECT_RUNS): SuspectRuns {
    const sorted = [...shas].map((s) => this.position(s)).filter((p) => p >= 0);
    sorted.sort((a, b) => a - b);
    return coalesceRuns(toRuns(sorted), maxRuns);
  }
}

export function toRuns(sortedPositions: number[]): SuspectRuns {
  const runs: SuspectRuns = [];
  for (const p of sortedPositions) {
    const last = runs[runs.length - 1];
    if (last && last[1] === p) last[1] = p + 1;
    else if (!last || last[1] < p) runs.push([p, p + 1]);
  }
  return runs;
}

/** Merges the runs separated by the smallest gaps until at most `maxRuns` remain. */
export function coalesceRuns(runs: SuspectRuns, maxRuns: number): SuspectRuns {
  if (runs.length <= maxRuns) return runs;
  const gaps = runs.slice(1).map((r, i) => r[0] - (runs[i] as [number, number])[1]);
  const threshold = [...gaps].sort((a, b) => a - b)[runs.length - maxRuns - 1] ?? 0;
  const out: SuspectRuns = [];
  let merged = 0;
  const budget = runs.length - maxRuns;
  runs.forEach((r, i) => {
    const gap = i > 0 ? (gaps[i - 1] ?? 0) : Infinity;
    const last = out[out.length - 1];
    if (last && gap <= threshold && merged < budget) {
      last[1] = r[1];
      merged++;
    } else out.push([r[0], r[1]]);
  });
  return out;
}

/**
 * What `git rev-list BAD --not GOOD...` answers, from the range's parent map
 * (every commit of `BAD --not <the session's good refs>`, no path limiting, all
 * parents): the commits reachable from `bad` and from no `goods` (the good
 * marks; the session's good refs are implied: nothing in the map is reachable
 * from them). Null when a commit it needs is outside the map (git answers then).
 */
export function suspectsInRange(parents: ReadonlyMap<string, readonly string[]>, bad: string, goods: readonly string[]): string[] | null {
  if (!parents.has(bad)) return null;
  const excluded = new Set<string>();
  const walk = (from: string, into: Set<string>, skip?: Set<string>) => {
    const todo = [from];
    while (todo.length > 0) {
      const sha = todo.pop() as string;
      if (into.has(sha) || skip?.has(sha) || !parents.has(sha)) continue;
      into.add(sha);
      for (const p of parents.get(sha) ?? []) todo.push(p);
    }
  };
  for (const g of goods) {
    if (!parents.has(g)) return null; // outside the range: its ancestors may still be in it
    walk(g, excluded);
  }
  const out = new Set<string>();
  walk(bad, out, excluded);
  return [...out];
}
