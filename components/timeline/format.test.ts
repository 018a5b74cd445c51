import { describe, expect, it } from 'vitest';
import { formatDuration, shortSha, verdictKey, verdictTerm } from './format';

describe('shortSha', () => {
  it('keeps 12 characters', () => {
    expect(shortSha('1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d')).toBe('1a2b3c4d5e6f');
    expect(shortSha('abc')).toBe('abc');
  });
});

describe('verdictTerm / verdictKey', () => {
  const terms = { old: 'broken', new: 'fixed' };
  it.each([
    ['good', 'broken', 'good'],
    ['bad', 'fixed', 'bad'],
    ['skip', 'skip', 'skip'],
    [null, 'testing', 'testing'],
  ] as const)('%s → %s', (verdict, term, key) => {
    expect(verdictTerm(verdict, terms)).toBe(term);
    expect(verdictKey(verdict)).toBe(key);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850.4, '850 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [12_345, '12.3 s'],
    [59_999, '59.9 s'],
    [60_000, '1m 00s'],
    [245_000, '4m 05s'],
    [3_599_999, '59m 59s'],
    [3_600_000, '1h 00m'],
    [3_720_000, '1h 02m'],
    [90_000_000, '25h 00m'],
    [-1, '—'],
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
