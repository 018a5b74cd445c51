import { describe, expect, it } from 'vitest';
import { createBayesStrategy } from './bayes';
import { createExactStrategy } from './exact';
import { DagIndex } from './graph';
import { linearGraph, mergeGraph, mulberry32, plainBisect, plantCulprit, Reproducer, runSession, runUniform } from './simulate';

describe('simulator', () => {
  it('gives each commit its own stream: the n-th run of a commit is the same whatever ran before', () => {
    const truth = plantCulprit(linearGraph(10), 4, { badFails: 0.5, goodFails: 0.5 }, 99);
    const a = new Reproducer(truth);
    const b = new Reproducer(truth);
    const first = [a.run(3), a.run(3), a.run(3)];
    b.run(7);
    b.run(1);
    expect([b.run(3), b.run(3), b.run(3)]).toEqual(first);
    expect(runUniform(1, 2, 3)).toBe(runUniform(1, 2, 3));
    expect(runUniform(1, 2, 3)).not.toBe(runUniform(1, 2, 4));
  });

  it('draws uniform numbers', () => {
    const rand = mulberry32(1);
    const xs = Array.from({ length: 20_000 }, rand);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const streams = Array.from({ length: 20_000 }, (_, i) => runUniform(5, i % 100, Math.floor(i / 100)));
    expect(streams.filter((u) => u < 0.3).length / streams.length).toBeCloseTo(0.3, 1);
  });

  it('builds merge-heavy ranges in topological order, every commit an ancestor of the last', () => {
    const graph = mergeGraph(2000, 3);
    const merges = graph.parents.filter((ps) => ps.length > 1).length;
    expect(merges / graph.size).toBeGreaterThan(0.15);
    graph.parents.forEach((ps, i) => ps.forEach((p) => expect(p).toBeLessThan(i)));
    expect(new DagIndex(graph).ancestorMask(graph.size - 1).every((m) => m === 1)).toBe(true);
  });

  it('plants the culprit in every descendant', () => {
    const graph = mergeGraph(200, 5);
    const truth = plantCulprit(graph, 60, { badFails: 1, goodFails: 0 }, 1);
    const dag = new DagIndex(graph);
    for (let t = 0; t < graph.size; t++) expect(truth.bad[t]).toBe(dag.ancestorMask(t)[60]);
  });

  it('hands freed slots new work and cancels moot runs', () => {
    const graph = linearGraph(1000);
    const truth = plantCulprit(graph, 321, { badFails: 1, goodFails: 0 }, 1);
    const freed = runSession(createExactStrategy(graph), truth, { slots: 3, mode: 'freed' });
    const rounds = runSession(createExactStrategy(graph), truth, { slots: 3, mode: 'rounds' });
    expect(freed.right && rounds.right).toBe(true);
    expect(freed.cancelled).toBeGreaterThan(0);
    expect(freed.time).toBeLessThanOrEqual(rounds.time);
  });

  it('runs the plain bisect baseline on the same streams', () => {
    const graph = linearGraph(64);
    const truth = plantCulprit(graph, 40, { badFails: 1, goodFails: 0 }, 1);
    expect(plainBisect(graph, truth)).toMatchObject({ right: true, runs: 6 });
    const flaky = plantCulprit(graph, 40, { badFails: 0.8, goodFails: 0.2 }, 1);
    expect(runSession(createBayesStrategy(graph), flaky, { checks: true, slots: 2, mode: 'freed' }).result.kind).toBe('culprit');
  });
});
