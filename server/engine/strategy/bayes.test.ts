import { describe, expect, it } from 'vitest';
import { createBayesStrategy } from './bayes';
import { linearGraph, mergeGraph, mulberry32, plantCulprit, Reproducer, runSession } from './simulate';
import { OUTSIDE } from './types';
import type { BayesOptions, Outcome, RangeGraph, Strategy } from './types';

const KNOWN = { badFails: 0.8, goodFails: 0.2 }; // q ~ Beta(16, 4), f ~ Beta(4, 16)
/** Four commits: 0 → {1, 2} → 3 (a merge, the bad endpoint). */
const DIAMOND: RangeGraph = { size: 4, parents: [[], [0], [0], [1, 2]] };

function observed(graph: RangeGraph, runs: Array<[number, Outcome]>, options: BayesOptions = {}): Strategy {
  const s = createBayesStrategy(graph, options);
  for (const [index, outcome] of runs) s.observe(index, outcome);
  return s;
}

describe('bayes strategy: posterior', () => {
  // Prior: 0.95 spread over the commits, 0.05 on "no culprit". Each hypothesis
  // scores its runs by Beta-Binomial marginals; the numbers below are worked by hand.
  it.each([
    {
      // q ~ ½ Beta(4,1) + ½ Beta(1,1); f ~ 0.3 at 0 + 0.7 Beta(1,4)
      name: 'one fail, rates unknown: c=0 scores ½ · 4/5 + ½ · 1/2, c=1 and none 0.7 · B(2,4)/B(1,4) (f=0 is out)',
      graph: linearGraph(2),
      runs: [[0, 'fail']] as Array<[number, Outcome]>,
      options: {},
      weights: [0.475 * 0.65, 0.475 * 0.14],
      none: 0.05 * 0.14,
    },
    {
      name: 'one pass, rates unknown: c=0 scores ½ · 1/5 + ½ · 1/2, c=1 and none 0.3 + 0.7 · B(1,5)/B(1,4)',
      graph: linearGraph(2),
      runs: [[0, 'pass']] as Array<[number, Outcome]>,
      options: {},
      weights: [0.475 * 0.35, 0.475 * 0.86],
      none: 0.05 * 0.86,
    },
    {
      name: 'one pass, rates stated 0.8 / 0.2: c=0 scores 4/20, c=1 and none 16/20',
      graph: linearGraph(2),
      runs: [[0, 'pass']] as Array<[number, Outcome]>,
      options: KNOWN,
      weights: [0.475 * 0.2, 0.475 * 0.8],
      none: 0.05 * 0.8,
    },
    {
      name: 'a fail on one side of a merge: commits 0 and 1 are contained (16/20), 2 and 3 are not (4/20)',
      graph: DIAMOND,
      runs: [[1, 'fail']] as Array<[number, Outcome]>,
      options: KNOWN,
      weights: [0.2375 * 0.8, 0.2375 * 0.8, 0.2375 * 0.2, 0.2375 * 0.2],
      none: 0.05 * 0.2,
    },
    {
      name: 'runs outside the range count as runs of good commits only',
      graph: linearGraph(2),
      runs: [[OUTSIDE, 'fail']] as Array<[number, Outcome]>,
      options: KNOWN,
      weights: [0.475 * 0.2, 0.475 * 0.2],
      none: 0.05 * 0.2,
    },
  ])('$name', ({ graph, runs, options, weights, none }) => {
    const s = observed(graph, runs, options);
    const total = weights.reduce((a, b) => a + b, 0) + none;
    const p = s.posterior();
    weights.forEach((w, i) => expect(p[i]).toBeCloseTo(w / total, 10));
    expect(s.summary().none).toBeCloseTo(none / total, 10);
  });

  it('skips say nothing about the culprit, but count as runs', () => {
    const s = observed(linearGraph(5), [[2, 'skip'], [OUTSIDE, 'skip']]);
    expect(Array.from(s.posterior())).toEqual(Array.from(createBayesStrategy(linearGraph(5)).posterior()));
    expect(s.summary().runs).toBe(2);
  });

  it('unobserve exactly undoes observe, in any order', () => {
    const graph = mergeGraph(60, 2);
    const rand = mulberry32(5);
    const outcomes: Outcome[] = ['pass', 'fail', 'skip'];
    const runs = Array.from({ length: 40 }, (): [number, Outcome] => [Math.floor(rand() * 61) - 1, outcomes[Math.floor(rand() * 3)]!]);
    const s = observed(graph, runs);
    const before = { p: Array.from(s.posterior()), summary: s.summary(), next: s.next(2) };
    const extra = runs.slice(0, 15);
    for (const [i, o] of extra) s.observe(i, o);
    for (const [i, o] of extra.reverse()) s.unobserve(i, o);
    expect({ p: Array.from(s.posterior()), summary: s.summary(), next: s.next(2) }).toEqual(before);
    expect(() => createBayesStrategy(graph).unobserve(3, 'pass')).toThrow('no pass run at commit 3');
  });

  it('fills every summary field', () => {
    const s = observed(linearGraph(50), [[49, 'fail'], [20, 'pass'], [30, 'fail']]);
    const sum = s.summary();
    expect(sum.best).not.toBeNull();
    for (const v of [sum.none, sum.badFails, sum.goodFails, sum.expectedRunsLeft, sum.best!.probability]) expect(Number.isFinite(v)).toBe(true);
    expect(sum).toMatchObject({ runs: 3 });
    expect(sum.badFails).toBeGreaterThan(sum.goodFails);
    expect(sum.expectedRunsLeft).toBeGreaterThan(0);
  });
});

describe('bayes strategy: choice', () => {
  it('splits a fresh line in the middle', () => {
    const [pick] = createBayesStrategy(linearGraph(101)).next(1);
    expect(pick).toBeGreaterThanOrEqual(45);
    expect(pick).toBeLessThanOrEqual(55);
  });

  it('reruns the built commit when a build costs more than a run, and moves on when builds are free', () => {
    const built = observed(linearGraph(101), [[50, 'fail']]);
    expect(built.next(1, { built: [50] })).toEqual([50]);
    const free = observed(linearGraph(101), [[50, 'fail']], { costs: { build: 0, run: 1 } });
    expect(free.next(1, { built: [50] })).not.toEqual([50]);
  });

  it('picks distinct commits for a batch, none of them busy, counting the busy runs as pending', () => {
    const s = createBayesStrategy(linearGraph(101));
    const batch = s.next(3);
    expect(new Set(batch).size).toBe(3);
    const [busy] = batch;
    const more = s.next(2, { busy: [busy!] });
    expect(more).toHaveLength(2);
    expect(more).not.toContain(busy);
  });

  it('asks for a run of a good endpoint only when the engine can run one', () => {
    // The one commit of the range fails half its runs: is it bad, or does everything flake that much?
    const runs: Array<[number, Outcome]> = [[0, 'fail'], [0, 'pass'], [0, 'fail'], [0, 'pass']];
    expect(observed(linearGraph(1), runs, { confidence: 0.999 }).next(1, { outside: true })).toEqual([OUTSIDE]);
    expect(observed(linearGraph(1), runs, { confidence: 0.999 }).next(1)).toEqual([0]);
  });

  it('never picks a skipped commit again, and gives up undecided when only skipped commits could tell', () => {
    const graph = linearGraph(6);
    const truth = plantCulprit(graph, 3, { badFails: 0.99, goodFails: 0.01 }, 3, [2, 3]);
    const s = createBayesStrategy(graph, { badFails: 0.99, goodFails: 0.01 });
    const repro = new Reproducer(truth);
    const picks: number[] = [];
    while (s.result().kind === 'testing' && picks.length < 200) {
      const [t] = s.next(1);
      picks.push(t!);
      s.observe(t!, repro.run(t!));
    }
    expect(picks.filter((t) => t === 2 || t === 3).length).toBeLessThanOrEqual(2);
    expect(s.result()).toMatchObject({ kind: 'undecided', top: expect.arrayContaining([expect.objectContaining({ index: 3 })]) });
  });
});

describe('bayes strategy: stopping', () => {
  const graph = linearGraph(16);
  const rates = { badFails: 0.9, goodFails: 0.05 };

  it.each([0.9, 0.95, 0.99])('stops on the culprit once it holds %f of the posterior', (confidence) => {
    const s = createBayesStrategy(graph, { ...rates, confidence });
    const stats = runSession(s, plantCulprit(graph, 9, rates, 4));
    expect(stats.result).toMatchObject({ kind: 'culprit', index: 9 });
    expect((stats.result as { probability: number }).probability).toBeGreaterThanOrEqual(confidence);
    expect(s.isMoot(9)).toBe(true);
    expect(s.next(1)).toEqual([]);
  });

  it('runs longer for a higher confidence on the same streams', () => {
    const runs = [0.9, 0.99].map((confidence) => runSession(createBayesStrategy(graph, { ...rates, confidence }), plantCulprit(graph, 9, rates, 4)).runs);
    expect(runs[1]).toBeGreaterThan(runs[0]!);
  });

  it('is undecided with the top five when the budget is spent', () => {
    const s = createBayesStrategy(graph, { maxRuns: 5 });
    const stats = runSession(s, plantCulprit(graph, 7, { badFails: 0.8, goodFails: 0.2 }, 3));
    expect(stats.runs).toBe(5);
    const result = s.result();
    expect(result.kind).toBe('undecided');
    const top = (result as { top: Array<{ probability: number }> }).top;
    expect(top).toHaveLength(5);
    expect(top.map((c) => c.probability)).toEqual([...top.map((c) => c.probability)].sort((a, b) => b - a));
    expect(s.next(1)).toEqual([]);
    expect(s.summary().expectedRunsLeft).toBe(0);
  });

  it.each([
    { name: 'rates unknown', options: {} },
    { name: 'good commits said never to fail', options: { goodFails: 0 } },
  ])('says "no culprit" for a range that never fails ($name)', ({ options }) => {
    const s = createBayesStrategy(graph, options);
    const stats = runSession(s, plantCulprit(graph, null, { badFails: 0.5, goodFails: 0 }, 8), { checks: true });
    expect(stats.result.kind).toBe('noCulprit');
    expect((stats.result as { probability: number }).probability).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps every run useful while the answer is open', () => {
    const s = observed(graph, [[8, 'fail']]);
    expect([s.isMoot(8), s.isMoot(2), s.isMoot(OUTSIDE)]).toEqual([false, false, false]);
  });

  it('finds a culprit on a side branch of a merge-heavy DAG', () => {
    const dag = mergeGraph(300, 9);
    for (const culprit of [37, 150, 299]) {
      const s = createBayesStrategy(dag, { badFails: 0.9, goodFails: 0.1 });
      expect(runSession(s, plantCulprit(dag, culprit, { badFails: 0.9, goodFails: 0.1 }, culprit)).right).toBe(true);
    }
  });
});
