import { describe, expect, it } from 'vitest';
import { estimateRemainingMs, formatDuration, shortSha } from './format';

describe('formatDuration', () => {
  it.each([
    [400, '0.4s'],
    [12_000, '12s'],
    [185_000, '3m 05s'],
    [3_720_000, '1h 02m'],
    [null, '—'],
  ])('%s -> %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('estimateRemainingMs', () => {
  it('is unknown before the first step finishes', () => {
    expect(estimateRemainingMs([], 10, 5)).toBeNull();
  });
  it('adds the current remainder and the steps after it', () => {
    expect(estimateRemainingMs([10_000, 20_000], 3, 5_000)).toBe(10_000 + 3 * 15_000);
  });
  it('never goes negative for an overlong current step', () => {
    expect(estimateRemainingMs([1000], 0, 50_000)).toBe(0);
  });
});

it('shortSha', () => expect(shortSha('0123456789abcdef')).toBe('0123456789ab'));
