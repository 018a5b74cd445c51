import { describe, expect, it } from 'vitest';
import {
  type ChartCopy,
  copyBars,
  copyMean,
  currentCopy,
  downsample,
  lastProgress,
  niceCeil,
  sessionRatePoints,
  stallWindow,
  throughputDomain,
} from './transfer-data';

function copy(over: Partial<ChartCopy> & { copy: number }): ChartCopy {
  return {
    copies: 4,
    payloadBytes: 100e6,
    stallSec: 20,
    copyTimeoutSec: 180,
    outcome: 'ok',
    detail: '',
    meanMBps: 50,
    ms: 2000,
    samples: [],
    ...over,
  };
}

const s = (t: number, bytes: number, rateMBps = 10) => ({ t, bytes, rateMBps });

describe('transfer chart data', () => {
  it('finds the last progress', () => {
    expect(lastProgress([s(0.25, 10), s(0.5, 20), s(0.75, 20), s(1, 20)])).toEqual({ t: 0.5, bytes: 20 });
    expect(lastProgress([])).toEqual({ t: 0, bytes: 0 });
  });

  it('draws the stall window from the last progress: a countdown while running, the expired window when stalled', () => {
    const running = copy({ copy: 2, outcome: 'running', meanMBps: null, ms: null, samples: [s(0.25, 5), s(0.5, 9), s(0.75, 9)] });
    expect(stallWindow(running)).toEqual({ x1: 0.5, x2: 20.5, stalled: false, at: null });
    const stalled = copy({ copy: 3, outcome: 'stalled', ms: 20_750, samples: [s(0.25, 5), s(0.5, 9), s(20.75, 9, 0)] });
    expect(stallWindow(stalled)).toEqual({ x1: 0.5, x2: 20.75, stalled: true, at: 20.75 });
    expect(stallWindow(copy({ copy: 1 }))).toBeNull();
  });

  it('means: stored once finished, bytes over time while running', () => {
    expect(copyMean(copy({ copy: 1, meanMBps: 42 }))).toBe(42);
    expect(copyMean(copy({ copy: 1, meanMBps: null, samples: [s(2, 50e6)] }))).toBe(25);
    expect(copyMean(copy({ copy: 1, meanMBps: null }))).toBeNull();
  });

  it('lists a bar per planned copy, the ones never attempted as not run', () => {
    const bars = copyBars([copy({ copy: 1 }), copy({ copy: 2, outcome: 'stalled', meanMBps: 3, detail: 'stalled at 1 GiB' })]);
    expect(bars.map((b) => [b.copy, b.mean, b.outcome])).toEqual([
      [1, 50, 'ok'],
      [2, 3, 'stalled'],
      [3, null, 'notRun'],
      [4, null, 'notRun'],
    ]);
  });

  it('follows the running copy, else the last', () => {
    expect(currentCopy([copy({ copy: 1 }), copy({ copy: 2, outcome: 'running' })])?.copy).toBe(2);
    expect(currentCopy([copy({ copy: 1 }), copy({ copy: 2 })])?.copy).toBe(2);
    expect(currentCopy([])).toBeUndefined();
  });

  it('downsamples evenly and keeps both ends', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const d = downsample(xs, 100);
    expect(d).toHaveLength(100);
    expect(d[0]).toBe(0);
    expect(d.at(-1)).toBe(999);
    expect(downsample([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });

  it('axis extents cover every copy and the current stall window, rounded to readable ends', () => {
    const done = copy({ copy: 1, samples: [s(10, 1, 80), s(28.1, 2, 75)] });
    const running = copy({ copy: 2, outcome: 'running', meanMBps: null, samples: [s(5, 1, 60)] });
    expect(throughputDomain([done, running], running)).toEqual({ xMax: 30, yMax: 100 });
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(72.9)).toBe(80);
    expect(niceCeil(308)).toBe(400);
    expect(niceCeil(21)).toBe(25);
  });

  it('session points: finished copies of every tested commit at its position', () => {
    const points = sessionRatePoints([
      {
        step: 1,
        position: 50,
        sha: 'a',
        subject: 'x',
        verdict: 'good',
        copies: [
          { index: 1, bytes: 1, ms: 1, meanMBps: 70, outcome: 'ok' },
          { index: 2, bytes: 1, ms: null, meanMBps: null, outcome: 'running' },
        ],
      },
      { step: 2, position: 75, sha: 'b', subject: 'y', verdict: 'bad', copies: [{ index: 1, bytes: 1, ms: 1, meanMBps: 0.5, outcome: 'stalled' }] },
    ]);
    expect(points.map((p) => [p.position, p.copy, p.mean, p.verdict, p.outcome])).toEqual([
      [50, 1, 70, 'good', 'ok'],
      [75, 1, 0.5, 'bad', 'stalled'],
    ]);
  });
});
