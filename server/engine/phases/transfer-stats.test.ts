import { describe, expect, it } from 'vitest';
import {
  copyLine,
  CopyMeter,
  type CopySummary,
  formatMiB,
  formatSize,
  GiB,
  MiB,
  phaseSummaryLine,
  rateMBps,
  rateStats,
  stallDetail,
  timeoutDetail,
} from './transfer-stats';

describe('rateMBps', () => {
  it.each([
    [100_000_000, 1000, 100],
    [2 * GiB, 28_100, 76.42],
    [0, 1000, 0],
    [1000, 0, 0],
    [1000, -5, 0],
  ])('%d bytes in %d ms = %d MB/s', (bytes, ms, want) => {
    expect(rateMBps(bytes, ms)).toBeCloseTo(want, 2);
  });
});

describe('CopyMeter', () => {
  it('turns readings into per-interval rates and caps them at the payload size', () => {
    const m = new CopyMeter({ totalBytes: 10_000_000, stallMs: 2000 });
    expect(m.read(250, 2_500_000)).toEqual({ t: 0.25, bytes: 2_500_000, rateMBps: 10 });
    expect(m.read(500, 5_000_000)).toEqual({ t: 0.5, bytes: 5_000_000, rateMBps: 10 });
    // Socket counts include SSH framing: never above the payload.
    expect(m.read(1000, 10_400_000).bytes).toBe(10_000_000);
    expect(m.samples).toHaveLength(3);
  });

  it('never goes backwards: a smaller reading is no progress', () => {
    const m = new CopyMeter({ totalBytes: 1e9, stallMs: 1000 });
    m.read(250, 1000);
    expect(m.read(500, 900)).toEqual({ t: 0.5, bytes: 1000, rateMBps: 0 });
  });

  it.each([
    // [readings as [ms, bytes], stall window, ms to ask, stalled?]
    [[[250, 100], [500, 200], [750, 200], [1000, 200]], 1000, 1000, false], // 500 ms idle
    [[[250, 100], [500, 200], [750, 200], [1500, 200]], 1000, 1500, true], // exactly the window
    [[[250, 0], [500, 0]], 1000, 999, false], // no byte yet, window not over
    [[[250, 0], [500, 0]], 1000, 1000, true], // nothing sent at all for the window
    [[[250, 100], [1200, 100], [1300, 150]], 1000, 1300, false], // progress resets the window
  ] as Array<[Array<[number, number]>, number, number, boolean]>)('stall detection %#', (readings, stallMs, at, want) => {
    const m = new CopyMeter({ totalBytes: 1e9, stallMs });
    for (const [ms, bytes] of readings) m.read(ms, bytes);
    expect(m.stalled(at)).toBe(want);
  });

  it('remembers where progress stopped', () => {
    const m = new CopyMeter({ totalBytes: 1e9, stallMs: 1000 });
    m.read(250, 100);
    m.read(500, 300);
    m.read(750, 300);
    m.read(1000, 300);
    expect(m.lastProgress).toEqual({ ms: 500, bytes: 300 });
    expect(m.idleMs(1400)).toBe(900);
  });
});

describe('rateStats', () => {
  it('mean over the copy, min and max over the samples', () => {
    const samples = [
      { t: 0.25, bytes: 1, rateMBps: 50 },
      { t: 0.5, bytes: 2, rateMBps: 80 },
      { t: 0.75, bytes: 3, rateMBps: 0 },
    ];
    expect(rateStats(samples, 30_000_000, 750)).toEqual({ meanMBps: 40, minMBps: 0, maxMBps: 80 });
  });
  it('a copy shorter than a sample interval uses the mean for all three', () => {
    expect(rateStats([], 1_000_000, 10)).toEqual({ meanMBps: 100, minMBps: 100, maxMBps: 100 });
  });
});

describe('formatting', () => {
  it.each([
    [2 * GiB, '2048 MiB'],
    [12.5 * MiB, '12.5 MiB'],
    [4096, '4 KiB'],
    [100, '100 B'],
  ])('formatMiB(%d) = %s', (b, want) => expect(formatMiB(b)).toBe(want));

  it.each([
    [1.2 * GiB, '1.2 GiB'],
    [340.5 * MiB, '340.5 MiB'],
    [0, '0 B'],
  ])('formatSize(%d) = %s', (b, want) => expect(formatSize(b)).toBe(want));

  const base: CopySummary = {
    copy: 3,
    copies: 15,
    bytes: 2 * GiB,
    payloadBytes: 2 * GiB,
    ms: 28_100,
    meanMBps: 72.94,
    minMBps: 60,
    maxMBps: 80,
    outcome: 'ok',
    detail: '',
  };

  it('writes the log lines the issue asks for', () => {
    expect(copyLine(base)).toBe('copy 3/15: 2048 MiB in 28.1 s, 72.9 MB/s');
    const stalled: CopySummary = { ...base, copy: 4, outcome: 'stalled', detail: stallDetail(1.2 * GiB, 20_000) };
    expect(copyLine(stalled)).toBe('copy 4/15 stalled at 1.2 GiB after 20 s without progress');
    const timedOut: CopySummary = { ...base, copy: 5, outcome: 'timedOut', detail: timeoutDetail(1.5 * GiB, 2 * GiB, 180_000) };
    expect(copyLine(timedOut)).toBe('copy 5/15 timed out after 180 s at 1.5 GiB of 2 GiB');
  });

  it('sums up the phase', () => {
    const two = [base, { ...base, copy: 4, ms: 30_000, meanMBps: 71.58 }];
    expect(phaseSummaryLine(two)).toBe('2/15 copies completed, 4096 MiB in 58.1 s: mean 73.9 MB/s (slowest copy 71.6, fastest 72.9)');
    expect(phaseSummaryLine([{ ...base, outcome: 'stalled', detail: 'x' }])).toBe('no copy completed');
  });
});
