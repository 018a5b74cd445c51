import { describe, expect, it } from 'vitest';
import { RangeIndex, coalesceRuns, suspectsInRange, toRuns } from './range';

describe('toRuns', () => {
  it('groups consecutive positions', () => {
    expect(toRuns([0, 1, 2, 5, 7, 8])).toEqual([[0, 3], [5, 6], [7, 9]]);
    expect(toRuns([])).toEqual([]);
  });
});

describe('coalesceRuns', () => {
  it('leaves few runs alone', () => {
    expect(coalesceRuns([[0, 1], [5, 6]], 5)).toEqual([[0, 1], [5, 6]]);
  });
  it('merges the smallest gaps first and respects the cap', () => {
    const out = coalesceRuns([[0, 1], [2, 3], [10, 11], [30, 31]], 3);
    expect(out).toEqual([[0, 3], [10, 11], [30, 31]]);
  });
  it('caps many runs and still covers every position', () => {
    const runs = toRuns(Array.from({ length: 5000 }, (_, i) => i * 2));
    const out = coalesceRuns(runs, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out[0]?.[0]).toBe(0);
    expect(out.at(-1)?.[1]).toBe(9999);
  });
});

describe('RangeIndex', () => {
  it('maps shas to positions and runs', () => {
    const idx = new RangeIndex(['a', 'b', 'c', 'd']);
    expect(idx.position('c')).toBe(2);
    expect(idx.position('zz')).toBe(-1);
    expect(idx.runs(['d', 'a', 'b'])).toEqual([[0, 2], [3, 4]]);
  });
});

describe('suspectsInRange', () => {
  // a ← b ← c ← m (merge of c and d), a ← d; e is outside the range.
  const parents = new Map([
    ['a', ['e']],
    ['b', ['a']],
    ['c', ['b']],
    ['d', ['a']],
    ['m', ['c', 'd']],
  ]);
  it('answers like rev-list BAD --not GOOD...: reachable from bad, from no good mark', () => {
    expect(suspectsInRange(parents, 'm', [])?.sort()).toEqual(['a', 'b', 'c', 'd', 'm']);
    expect(suspectsInRange(parents, 'm', ['b'])?.sort()).toEqual(['c', 'd', 'm']);
    expect(suspectsInRange(parents, 'c', ['d'])?.sort()).toEqual(['b', 'c']);
  });
  it('leaves it to git when a mark is outside the range', () => {
    expect(suspectsInRange(parents, 'x', [])).toBeNull();
    expect(suspectsInRange(parents, 'm', ['x'])).toBeNull();
  });
});
