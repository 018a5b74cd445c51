import { describe, expect, it } from 'vitest';
import { createExactStrategy } from './exact';
import { linearGraph, mergeGraph, mulberry32, plantCulprit, Reproducer, runSession } from './simulate';
import { OUTSIDE } from './types';
import type { Outcome, RangeGraph, StrategyResult } from './types';

function ancestors(graph: RangeGraph, root: number): Set<number> {
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    stack.push(...(graph.parents[i] ?? []));
  }
  return seen;
}

/**
 * git's definition, straight from the marks: the suspects are ancestors-or-
 * self of every bad commit and of no good one; the first bad commit is known
 * when the only suspect left is marked bad, and otherwise, once nothing is
 * left to test, it is one of the suspects.
 */
function bruteForce(graph: RangeGraph, marks: Array<{ index: number; outcome: Outcome }>): StrategyResult {
  const bad = new Set([graph.size - 1]);
  const good = new Set<number>();
  const skipped = new Set<number>();
  for (const { index, outcome } of marks) (outcome === 'fail' ? bad : outcome === 'pass' ? good : skipped).add(index);
  const goodSide = new Set([...good].flatMap((g) => [...ancestors(graph, g)]));
  const badSets = [...bad].map((b) => ancestors(graph, b));
  const suspects = [...badSets[0]!].filter((c) => badSets.every((s) => s.has(c)) && !goodSide.has(c)).sort((a, b) => a - b);
  if (suspects.some((c) => !bad.has(c) && !skipped.has(c))) return { kind: 'testing' };
  if (suspects.length === 1 && bad.has(suspects[0]!)) return { kind: 'culprit', index: suspects[0]!, probability: 1 };
  return { kind: 'candidates', indices: suspects };
}

/** Runs a deterministic bisect one commit at a time, recording every mark. */
function bisect(graph: RangeGraph, culprit: number, skipped: number[]) {
  const truth = plantCulprit(graph, culprit, { badFails: 1, goodFails: 0 }, 1, skipped);
  const repro = new Reproducer(truth);
  const strategy = createExactStrategy(graph);
  const marks: Array<{ index: number; outcome: Outcome }> = [];
  for (let step = 0; step < graph.size + 1 && strategy.result().kind === 'testing'; step++) {
    const [pick] = strategy.next(1);
    if (pick === undefined) break;
    const outcome = repro.run(pick);
    marks.push({ index: pick, outcome });
    strategy.observe(pick, outcome);
  }
  return { result: strategy.result(), marks };
}

describe('exact strategy: git rules', () => {
  it('picks the commit with half the suspects as ancestors, as git bisect does', () => {
    expect(createExactStrategy(linearGraph(8)).next(1)).toEqual([3]);
  });

  it('ends at once on a range of one commit', () => {
    expect(createExactStrategy(linearGraph(1)).result()).toEqual({ kind: 'culprit', index: 0, probability: 1 });
  });

  it.each([
    { name: 'a fail narrows to its ancestors', marks: [[3, 'fail']], suspects: [0, 1, 2, 3] },
    { name: 'a pass removes its ancestors', marks: [[3, 'pass']], suspects: [4, 5, 6, 7] },
    { name: 'the first verdict on a commit stands', marks: [[3, 'fail'], [3, 'pass']], suspects: [0, 1, 2, 3] },
    { name: 'a pass on a descendant of a bad commit is ignored', marks: [[3, 'fail'], [5, 'pass']], suspects: [0, 1, 2, 3] },
    { name: 'a fail on a known good commit is ignored', marks: [[3, 'pass'], [1, 'fail']], suspects: [4, 5, 6, 7] },
    { name: 'runs outside the range carry no verdict', marks: [[OUTSIDE, 'fail'], [OUTSIDE, 'pass']], suspects: [0, 1, 2, 3, 4, 5, 6, 7] },
  ] as const)('$name', ({ marks, suspects }) => {
    const s = createExactStrategy(linearGraph(8));
    for (const [index, outcome] of marks) s.observe(index, outcome);
    const p = s.posterior();
    expect([...p.keys()].filter((i) => p[i]! > 0)).toEqual(suspects);
    expect(s.summary().runs).toBe(marks.length);
  });

  it('names the culprit when only the bad commit is left', () => {
    const s = createExactStrategy(linearGraph(4));
    for (const [index, outcome] of [[1, 'pass'], [2, 'fail']] as const) s.observe(index, outcome);
    expect(s.result()).toEqual({ kind: 'culprit', index: 2, probability: 1 });
    expect(s.next(1)).toEqual([]);
    expect(s.summary()).toMatchObject({ best: { index: 2, probability: 1 }, expectedRunsLeft: 0 });
  });

  it('lists the skipped commits and the bad one when only skipped commits are left', () => {
    const s = createExactStrategy(linearGraph(4));
    for (const [index, outcome] of [[1, 'skip'], [0, 'pass'], [2, 'fail']] as const) s.observe(index, outcome);
    expect(s.result()).toEqual({ kind: 'candidates', indices: [1, 2] });
  });

  it('unobserve replays the rest: a verdict ignored before may then count', () => {
    const s = createExactStrategy(linearGraph(8));
    s.observe(3, 'fail');
    s.observe(3, 'pass');
    s.unobserve(3, 'fail');
    const p = s.posterior();
    expect([...p.keys()].filter((i) => p[i]! > 0)).toEqual([4, 5, 6, 7]);
    expect(() => s.unobserve(3, 'fail')).toThrow('no fail run at commit 3');
  });

  it('calls runs on ruled-out commits moot', () => {
    const s = createExactStrategy(linearGraph(8));
    s.observe(3, 'fail');
    expect([s.isMoot(5), s.isMoot(1), s.isMoot(3), s.isMoot(OUTSIDE)]).toEqual([true, false, true, true]);
  });

  it('splits into k + 1 parts, best first, and counts busy commits as cuts already made', () => {
    const s = createExactStrategy(linearGraph(128));
    expect(s.next(4)).toEqual([50, 76, 25, 101]);
    expect(s.next(1, { busy: [50] })).toEqual([84]);
  });

  it.each([
    { name: 'lines', graph: (n: number) => linearGraph(n) },
    { name: 'merge-heavy DAGs', graph: (n: number) => mergeGraph(n, n) },
  ])('matches the brute-force definition on small $name with skips', ({ graph }) => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 60; trial++) {
      const g = graph(5 + Math.floor(rand() * 40));
      const culprit = Math.floor(rand() * g.size);
      const skipped = [...new Set(Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * (g.size - 1))))];
      const { result, marks } = bisect(g, culprit, skipped);
      expect(result).toEqual(bruteForce(g, marks));
      if (result.kind === 'culprit') expect(result.index).toBe(culprit);
      else expect(result).toMatchObject({ kind: 'candidates', indices: expect.arrayContaining([culprit]) });
    }
  });

  it.each([1, 2, 4])('finishes with %i slots in at most ⌈log_(k+1) N⌉ + 1 rounds', (k) => {
    for (const n of [10, 100, 1000]) {
      const bound = Math.ceil(Math.log(n) / Math.log(k + 1)) + 1;
      for (const [graph, label] of [[linearGraph(n), 'line'], [mergeGraph(n, n + k), 'merges']] as const) {
        for (let culprit = 0; culprit < n; culprit += Math.ceil(n / 25)) {
          const truth = plantCulprit(graph, culprit, { badFails: 1, goodFails: 0 }, 1);
          const stats = runSession(createExactStrategy(graph), truth, { slots: k });
          expect(stats.right, `${label} N=${n} culprit ${culprit}`).toBe(true);
          expect(stats.rounds, `${label} N=${n} culprit ${culprit}`).toBeLessThanOrEqual(bound);
        }
      }
    }
  });
});
