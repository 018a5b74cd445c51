/**
 * The bisect range as flat typed arrays, for walks that stay fast at 64,000
 * commits: parents and children in CSR form, a linear-history flag, and an
 * ancestor walk that reuses one stack and one stamp array (no allocation and
 * no clearing per walk). Indices into these arrays are in range by
 * construction, hence the `!` in the loops.
 */
import type { RangeGraph } from './types';

export interface CommitNode {
  index: number;
  /** Parents inside the range; parents outside it (the good side) are left out. */
  parents: readonly number[];
}

/**
 * A RangeGraph from commits given in any order. Indices must be exactly
 * 0..n-1 and every parent must come before its child (git's
 * `rev-list --reverse --topo-order` numbering); throws otherwise. The bad
 * endpoint is n-1; nothing requires every commit to be its ancestor.
 */
export function graphFromCommits(commits: readonly CommitNode[]): RangeGraph {
  const parents = new Array<number[] | undefined>(commits.length);
  for (const c of commits) {
    if (!Number.isInteger(c.index) || c.index < 0 || c.index >= commits.length) {
      throw new Error(`commit index ${c.index} is outside 0..${commits.length - 1}`);
    }
    if (parents[c.index]) throw new Error(`commit index ${c.index} is given twice`);
    for (const p of c.parents) {
      if (!Number.isInteger(p) || p < 0 || p >= c.index) {
        throw new Error(`commit ${c.index} has parent ${p}: parents must be in the range and come first (topological order)`);
      }
    }
    parents[c.index] = [...new Set(c.parents)];
  }
  return { size: commits.length, parents: parents.map((ps) => ps ?? []) };
}

/** A straight line: commit 0 has no parent in the range and commit i's only parent is i - 1. */
export function isLinear(graph: RangeGraph): boolean {
  for (let i = 0; i < graph.size; i++) {
    const ps = graph.parents[i] ?? [];
    if (i === 0 ? ps.length !== 0 : ps.length !== 1 || ps[0] !== i - 1) return false;
  }
  return true;
}

/** Compressed adjacency: the neighbours of i are `list[start[i]] .. list[start[i + 1] - 1]`. */
export interface Adjacency {
  readonly start: Int32Array;
  readonly list: Int32Array;
}

function parentAdjacency(graph: RangeGraph): Adjacency {
  const n = graph.size;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + (graph.parents[i]?.length ?? 0);
  const list = new Int32Array(start[n]!);
  for (let i = 0; i < n; i++) list.set(graph.parents[i] ?? [], start[i]!);
  return { start, list };
}

function childAdjacency(parents: Adjacency, n: number): Adjacency {
  const start = new Int32Array(n + 1);
  for (const p of parents.list) start[p + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(parents.list.length);
  for (let c = 0; c < n; c++) {
    for (let e = parents.start[c]!; e < parents.start[c + 1]!; e++) list[fill[parents.list[e]!]!++] = c;
  }
  return { start, list };
}

/** A RangeGraph indexed once for the walks strategies make on every observation. */
export class DagIndex {
  readonly size: number;
  readonly linear: boolean;
  readonly parents: Adjacency;
  readonly children: Adjacency;
  private readonly stamp: Int32Array;
  private readonly stack: Int32Array;
  private generation = 0;

  constructor(graph: RangeGraph) {
    this.size = graph.size;
    this.linear = isLinear(graph);
    this.parents = parentAdjacency(graph);
    this.children = childAdjacency(this.parents, graph.size);
    this.stamp = new Int32Array(graph.size);
    this.stack = new Int32Array(graph.size);
  }

  /**
   * Calls `visit(i)` once for every ancestor-or-self i of `root` with
   * `i >= floor` (in topological order every ancestor has a smaller index,
   * so a floor prunes whole regions). Not re-entrant: `visit` must not walk.
   */
  forEachAncestor(root: number, visit: (i: number) => void, floor = 0): void {
    if (root < floor) return;
    if (this.linear) {
      for (let i = root; i >= floor; i--) visit(i);
      return;
    }
    const gen = this.nextGeneration();
    const { stamp, stack } = this;
    const { start, list } = this.parents;
    let top = 0;
    stack[top++] = root;
    stamp[root] = gen;
    while (top > 0) {
      const i = stack[--top]!;
      visit(i);
      for (let e = start[i]!, end = start[i + 1]!; e < end; e++) {
        const p = list[e]!;
        if (p >= floor && stamp[p] !== gen) {
          stamp[p] = gen;
          stack[top++] = p;
        }
      }
    }
  }

  /** A fresh 0/1 mask of the ancestors-or-self of `root`. */
  ancestorMask(root: number): Uint8Array {
    const mask = new Uint8Array(this.size);
    this.forEachAncestor(root, (i) => {
      mask[i] = 1;
    });
    return mask;
  }

  private nextGeneration(): number {
    if (this.generation === 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}

const WORDS = 8; // 32 * WORDS member columns per block

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * For every member i (`members[i] === 1`), how many members are
 * ancestors-or-self of i (git's bisect "weight"); 0 for non-members. Exact on
 * any DAG: members are taken 256 at a time as bit columns pushed down the
 * topological order, so the cost is O((commits + edges) × members / 32) word
 * operations rather than a walk per commit.
 */
export function ancestorCounts(dag: DagIndex, members: Uint8Array): Int32Array {
  const counts = new Int32Array(dag.size);
  const sources: number[] = [];
  for (let i = 0; i < dag.size; i++) if (members[i] === 1) sources.push(i);
  if (dag.linear) {
    sources.forEach((s, k) => (counts[s] = k + 1));
    return counts;
  }
  const last = sources[sources.length - 1] ?? -1;
  const bits = new Int32Array((last + 1) * WORDS);
  const { start, list } = dag.parents;
  for (let b = 0; b < sources.length; b += 32 * WORDS) {
    const block = sources.slice(b, b + 32 * WORDS);
    const first = block[0]!;
    bits.fill(0, first * WORDS);
    block.forEach((s, k) => (bits[s * WORDS + (k >>> 5)]! |= 1 << (k & 31)));
    for (let i = first; i <= last; i++) {
      const base = i * WORDS;
      for (let e = start[i]!, end = start[i + 1]!; e < end; e++) {
        const p = list[e]!;
        if (p < first) continue;
        for (let w = 0; w < WORDS; w++) bits[base + w]! |= bits[p * WORDS + w]!;
      }
      if (members[i] !== 1) continue;
      for (let w = 0; w < WORDS; w++) counts[i]! += popcount32(bits[base + w]!);
    }
  }
  return counts;
}
