import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES_PER_COPY, MAX_SAMPLES_TOTAL, TransferStore } from './transfer-store';

const started = (step: number, copy: number) =>
  ({ type: 'copyStarted', step, phase: 1, copy, copies: 3, payloadBytes: 1e9, stallSec: 20, copyTimeoutSec: 180 }) as const;
const samples = (step: number, copy: number, n: number, from = 0) =>
  ({
    type: 'transferSample',
    step,
    phase: 1,
    copy,
    samples: Array.from({ length: n }, (_, i) => ({ t: (from + i + 1) / 4, bytes: (from + i + 1) * 1000, rateMBps: 4 })),
  }) as const;

describe('TransferStore', () => {
  it('follows copies through start, samples and finish, replacing what changes', () => {
    const st = new TransferStore();
    st.apply(started(1, 1));
    st.apply(samples(1, 1, 3));
    const before = st.get(1, 1);
    expect(before?.[0]?.samples).toHaveLength(3);
    st.apply(samples(1, 1, 2, 3));
    const after = st.get(1, 1);
    expect(after).not.toBe(before); // new list and copy objects: charts re-render
    expect(after?.[0]?.samples.map((s) => s.bytes)).toEqual([1000, 2000, 3000, 4000, 5000]);
    st.apply({
      type: 'copyFinished',
      step: 1,
      phase: 1,
      copy: 1,
      copies: 3,
      bytes: 5000,
      payloadBytes: 5000,
      ms: 1250,
      meanMBps: 4,
      minMBps: 4,
      maxMBps: 4,
      outcome: 'ok',
      detail: '',
    });
    st.apply(started(1, 2));
    expect(st.get(1, 1)?.map((c) => [c.copy, c.outcome, c.meanMBps])).toEqual([
      [1, 'ok', 4],
      [2, 'running', null],
    ]);
    expect(st.get(2, 1)).toBeUndefined();
  });

  it('keeps each copy bounded by halving its samples', () => {
    const st = new TransferStore();
    st.apply(started(1, 1));
    for (let i = 0; i < 30; i++) st.apply(samples(1, 1, 1000, i * 1000));
    const c = st.get(1, 1)?.[0];
    expect(c?.samples.length).toBeLessThanOrEqual(MAX_SAMPLES_PER_COPY);
    expect(c?.samples.at(-1)?.bytes).toBe(30_000 * 1000); // the latest sample is always kept
    expect(st.sampleCount).toBe(c?.samples.length);
  });

  it('keeps the total bounded: the least recently updated phases lose their samples first', () => {
    const st = new TransferStore();
    const perStep = 10_000;
    const steps = Math.ceil(MAX_SAMPLES_TOTAL / perStep) + 5;
    for (let step = 1; step <= steps; step++) {
      st.apply(started(step, 1));
      st.apply(samples(step, 1, perStep));
    }
    expect(st.sampleCount).toBeLessThanOrEqual(MAX_SAMPLES_TOTAL);
    expect(st.get(1, 1)?.[0]?.samples).toHaveLength(0);
    expect(st.get(1, 1)?.[0]?.outcome).toBe('running'); // the summary stays
    expect(st.get(steps, 1)?.[0]?.samples).toHaveLength(perStep);
  });

  it('ignores samples of a copy it never saw start, and loads stored copies', () => {
    const st = new TransferStore();
    st.apply(samples(1, 1, 5));
    expect(st.get(1, 1)).toBeUndefined();
    st.load(1, 1, [{ copy: 1, copies: 1, payloadBytes: 1, stallSec: 1, copyTimeoutSec: 1, outcome: 'ok', detail: '', meanMBps: 1, ms: 1, samples: [{ t: 1, bytes: 1, rateMBps: 1 }] }]);
    expect(st.get(1, 1)).toHaveLength(1);
    expect(st.sampleCount).toBe(1);
  });
});
