import { describe, expect, it } from 'vitest';
import { ancestorCounts, DagIndex, graphFromCommits, isLinear } from './graph';
import { linearGraph, mergeGraph } from './simulate';
import type { RangeGraph } from './types';

/** Ancestors-or-self by plain recursion over the parent lists: the definition the fast code must match. */
function bruteAncestors(graph: RangeGraph, root: number): Set<number> {
  const seen = new Set<number>();
  const visit = (i: number) => {
    if (seen.has(i)) return;
    seen.add(i);
    for (const p of graph.parents[i] ?? []) visit(p);
  };
  visit(root);
  return seen;
}

describe('graphFromCommits', () => {
  it('accepts commits in any order and drops repeated parents', () => {
    const g = graphFromCommits([
      { index: 2, parents: [1, 0, 1] },
      { index: 0, parents: [] },
      { index: 1, parents: [0] },
    ]);
    expect(g).toEqual({ size: 3, parents: [[], [0], [1, 0]] });
  });

  it.each([
    { commits: [{ index: 0, parents: [] }, { index: 2, parents: [0] }], message: 'outside 0..1' },
    { commits: [{ index: 0, parents: [] }, { index: 0, parents: [] }], message: 'given twice' },
    { commits: [{ index: 0, parents: [1] }, { index: 1, parents: [] }], message: 'topological order' },
  ])('rejects $message', ({ commits, message }) => {
    expect(() => graphFromCommits(commits)).toThrow(message);
  });
});

describe('isLinear', () => {
  it.each([
    { graph: linearGraph(5), linear: true },
    { graph: linearGraph(1), linear: true },
    { graph: { size: 3, parents: [[], [], [0, 1]] }, linear: false },
    { graph: { size: 3, parents: [[], [0], [0]] }, linear: false },
    { graph: mergeGraph(50, 1), linear: false },
  ])('$graph.size commits: $linear', ({ graph, linear }) => {
    expect(isLinear(graph)).toBe(linear);
  });
});

describe('DagIndex walks', () => {
  const graph = mergeGraph(300, 7);
  const dag = new DagIndex(graph);

  it('visits exactly the ancestors-or-self, once each, above the floor', () => {
    for (const root of [0, 17, 150, 299]) {
      for (const floor of [0, 100]) {
        const seen: number[] = [];
        dag.forEachAncestor(root, (i) => seen.push(i), floor);
        const expected = [...bruteAncestors(graph, root)].filter((i) => i >= floor);
        expect(seen.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
      }
    }
  });

  it('lists children as the inverse of parents', () => {
    for (let c = 0; c < graph.size; c++) {
      for (const p of graph.parents[c] ?? []) {
        const kids = Array.from(dag.children.list.subarray(dag.children.start[p], dag.children.start[p + 1]));
        expect(kids).toContain(c);
      }
    }
  });
});

describe('ancestorCounts', () => {
  it.each([
    { name: 'a merge-heavy DAG, all members', graph: mergeGraph(700, 3), every: 1 },
    { name: 'a merge-heavy DAG, every third commit', graph: mergeGraph(700, 4), every: 3 },
    { name: 'a line', graph: linearGraph(40), every: 2 },
  ])('counts member ancestors-or-self on $name', ({ graph, every }) => {
    const members = new Uint8Array(graph.size).map((_, i) => (i % every === 0 ? 1 : 0));
    const counts = ancestorCounts(new DagIndex(graph), members);
    for (let i = 0; i < graph.size; i++) {
      const expected = members[i] ? [...bruteAncestors(graph, i)].filter((a) => members[a]).length : 0;
      expect(counts[i]).toBe(expected);
    }
  });
});
