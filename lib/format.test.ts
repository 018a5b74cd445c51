import { describe, expect, it } from 'vitest';
import { elapsedMs, estimateRemainingMs, formatClockTime, formatDuration, shortSha } from './format';

describe('formatDuration', () => {
  it.each([
    [400, '0.4s'],
    [12_000, '12s'],
    [185_000, '3m 05s'],
    [3_720_000, '1h 02m'],
    [null, '—'],
    [-100, '0.0s'],
    [-25_000, '0.0s'],
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
    [59_999, '1m 00s'],
    [3_599_999, '1h 00m'],
  ])('%s -> %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('elapsedMs (no negative elapsed times)', () => {
  const start = '2026-01-01T10:00:00.000Z';
  const t = Date.parse(start);
  it('counts from the start', () => expect(elapsedMs(start, t + 1500)).toBe(1500));
  it('is 0, not negative, when the start is ahead of the clock (server clock ahead, or a clock that ticks once a second)', () => {
    expect(elapsedMs(start, t - 100)).toBe(0);
    expect(formatDuration(elapsedMs(start, t - 100))).toBe('0.0s');
  });
  it('takes epoch ms and Dates; unknown without a start', () => {
    expect(elapsedMs(t, t + 1)).toBe(1);
    expect(elapsedMs(new Date(t), t + 2)).toBe(2);
    expect(elapsedMs(null, t)).toBeNull();
    expect(elapsedMs('not a date', t)).toBeNull();
  });
});

it('formatClockTime', () => {
  const d = new Date(2026, 0, 2, 3, 4, 5, 6);
  expect(formatClockTime(d.getTime())).toBe('03:04:05.006');
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
