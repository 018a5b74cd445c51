import { describe, expect, it } from 'vitest';
import { parseBisectLog } from '../bisect-log';
import { termFor, termProblem, termsProblem } from './terms';

describe('termProblem: git\'s rule, one for new sessions and imported logs', () => {
  it.each([
    ['broken', 'old', null],
    ['fixed', 'new', null],
    ['fixed.v2', 'new', null],
    ['good', 'old', null],
    ['skip', 'new', /builtin command/],
    ['run', 'old', /builtin command/],
    ['bad', 'old', /meaning/],
    ['good', 'new', /meaning/],
    ['has space', 'old', /not a valid term/],
    ['a..b', 'old', /not a valid term/],
    ['-x', 'old', /not a valid term/],
    ['x.lock', 'old', /not a valid term/],
    ['', 'old', /empty/],
    ['x'.repeat(65), 'old', /at most 64/],
  ] as const)('%s as %s term', (term, role, problem) => {
    const got = termProblem(term, role);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });

  it('a pair must differ', () => expect(termsProblem({ old: 'same', new: 'same' })).toMatch(/differ/));

  it('an imported log is held to the same rule', () => {
    const log = (o: string, n: string) => `git bisect start '--term-old' '${o}' '--term-new' '${n}'\n`;
    expect(parseBisectLog(log('broken', 'fixed.v2')).terms).toEqual({ old: 'broken', new: 'fixed.v2' });
    expect(() => parseBisectLog(log('broken', 'run'))).toThrow(/builtin command/);
    expect(() => parseBisectLog(log('x'.repeat(65), 'fixed'))).toThrow(/at most 64/);
  });
});

describe('termFor', () => {
  const terms = { old: 'broken', new: 'fixed' };
  it.each([
    ['good', 'broken'],
    ['bad', 'fixed'],
    ['skip', 'skip'],
  ] as const)('%s is written %s', (verdict, word) => expect(termFor(verdict, terms)).toBe(word));
});
