import { describe, expect, it } from 'vitest';
import { impliedMarks, RangeDag, replayOrder, runCountComments } from './strategy-view';

// 0 ← 1 ← 3 (merge of 1 and 2) ← 4;  0 ← 2
const dag = new RangeDag(['a', 'b', 'c', 'd', 'e'], { size: 5, parents: [[], [0], [0], [1, 2], [3]] });

describe('marks for git bisect replay', () => {
  it('marks every tested commit by whether it contains the culprit', () => {
    expect(impliedMarks(dag, ['e', 'c', 'b', 'c', 'a'], 1)).toEqual([
      { sha: 'e', verdict: 'bad' },
      { sha: 'c', verdict: 'good' },
      { sha: 'b', verdict: 'bad' },
      { sha: 'a', verdict: 'good' },
    ]);
  });

  it('puts bad marks last, the culprit (fewest ancestors) at the very end: git keeps only the last bad', () => {
    const marks = impliedMarks(dag, ['b', 'e', 'c', 'd'], 1);
    expect(replayOrder(dag, marks).map((m) => `${m.verdict} ${m.sha}`)).toEqual(['good c', 'bad e', 'bad d', 'bad b']);
  });

  it('writes run counts as comments git ignores', () => {
    const text = runCountComments(
      [
        { sha: 'b', verdict: 'bad' },
        { sha: 'b', verdict: 'good' },
        { sha: 'b', verdict: 'bad' },
        { sha: 'c', verdict: 'skip' },
      ],
      { old: 'good', new: 'bad' },
    );
    expect(text).toBe('# runs b: 2 bad / 1 good\n# runs c: 0 bad / 0 good / 1 skip\n');
  });
});
