/**
 * Pure data shaping for the transfer graphs: nothing here touches React or
 * Recharts, so it is unit-tested in transfer-data.test.ts.
 */
import type { CopyOutcome, TransferSample } from '@/server/engine/phases/transfer-stats';

export type CopyState = CopyOutcome | 'running';

/** One copy as the graphs need it (from live events or `sessions.samples`). */
export interface ChartCopy {
  copy: number;
  copies: number;
  payloadBytes: number;
  stallSec: number;
  copyTimeoutSec: number;
  outcome: CopyState;
  detail: string;
  /** Mean MB/s once finished; null while running. */
  meanMBps: number | null;
  ms: number | null;
  samples: TransferSample[];
}

/** CSS colour of a copy outcome (theme variables, so dark and light both read). */
export function outcomeColor(outcome: CopyState | 'notRun'): string {
  switch (outcome) {
    case 'ok':
      return 'var(--good)';
    case 'stalled':
    case 'timedOut':
      return 'var(--bad)';
    case 'connectionError':
    case 'sinkError':
      return 'var(--skip)';
    case 'running':
      return 'var(--testing)';
    case 'notRun':
      return 'var(--border)';
  }
}

export function outcomeLabel(outcome: CopyState | 'notRun'): string {
  switch (outcome) {
    case 'ok':
      return 'ok';
    case 'stalled':
      return 'stalled';
    case 'timedOut':
      return 'timed out';
    case 'connectionError':
      return 'connection error';
    case 'sinkError':
      return 'sink error';
    case 'running':
      return 'running';
    case 'notRun':
      return 'not run';
  }
}

/** When (s into the copy) and at which byte the copy last made progress; the start when it never did. */
export function lastProgress(samples: readonly TransferSample[]): { t: number; bytes: number } {
  let t = 0;
  let bytes = 0;
  for (const s of samples) {
    if (s.bytes > bytes) {
      bytes = s.bytes;
      t = s.t;
    }
  }
  return { t, bytes };
}

/**
 * The stall window to draw for a copy: from its last progress, `stallSec`
 * long. For a running copy it is the countdown the copy must beat; for a
 * stalled one, the window that expired (`at` is where the stall was declared).
 */
export function stallWindow(c: ChartCopy): { x1: number; x2: number; stalled: boolean; at: number | null } | null {
  if (c.outcome !== 'running' && c.outcome !== 'stalled') return null;
  const p = lastProgress(c.samples);
  const x2 = p.t + c.stallSec;
  if (c.outcome === 'stalled') {
    const end = c.ms !== null ? c.ms / 1000 : (c.samples.at(-1)?.t ?? x2);
    return { x1: p.t, x2: Math.max(x2, end), stalled: true, at: end };
  }
  return { x1: p.t, x2, stalled: false, at: null };
}

/** Mean MB/s of a copy: its stored mean, or bytes over time so far while running. */
export function copyMean(c: ChartCopy): number | null {
  if (c.meanMBps !== null) return c.meanMBps;
  const last = c.samples.at(-1);
  if (!last || last.t <= 0) return null;
  return Math.round((last.bytes / 1e6 / last.t) * 100) / 100;
}

/** Keeps at most `max` samples, evenly spread, always with the last one (for drawing old copies cheaply). */
export function downsample<T>(samples: readonly T[], max: number): T[] {
  if (samples.length <= max || max < 2) return samples.slice();
  const out: T[] = [];
  const stride = (samples.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(samples[Math.round(i * stride)] as T);
  return out;
}

/** x and y extents for the live chart: every copy's samples and the stall window of the current one. */
export function throughputDomain(copies: readonly ChartCopy[], current: ChartCopy | undefined): { xMax: number; yMax: number } {
  let xMax = 1;
  let yMax = 1;
  for (const c of copies) {
    const last = c.samples.at(-1);
    if (last && last.t > xMax) xMax = last.t;
    for (const s of c.samples) if (s.rateMBps > yMax) yMax = s.rateMBps;
  }
  const w = current ? stallWindow(current) : null;
  if (w && w.x2 > xMax) xMax = w.x2;
  return { xMax: niceCeil(xMax), yMax: niceCeil(yMax * 1.1) };
}

/** Rounds up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten (axis ends that read well). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v - 1e-9) return m * p;
  return 10 * p;
}

/** The copy the live chart follows: the running one, else the last one that ran. */
export function currentCopy(copies: readonly ChartCopy[]): ChartCopy | undefined {
  return copies.find((c) => c.outcome === 'running') ?? copies.at(-1);
}

export interface CopyBar {
  copy: number;
  mean: number | null;
  outcome: CopyState | 'notRun';
  detail: string;
}

/** One bar per planned copy (copies never attempted after a failure are listed as `notRun`). */
export function copyBars(copies: readonly ChartCopy[]): CopyBar[] {
  const planned = Math.max(copies[0]?.copies ?? 0, ...copies.map((c) => c.copy));
  const byCopy = new Map(copies.map((c) => [c.copy, c]));
  const out: CopyBar[] = [];
  for (let i = 1; i <= planned; i++) {
    const c = byCopy.get(i);
    out.push(c ? { copy: i, mean: copyMean(c), outcome: c.outcome, detail: c.detail } : { copy: i, mean: null, outcome: 'notRun', detail: '' });
  }
  return out;
}

/** A copy summary as `sessions.byId` lists it. */
export interface ListedCopy {
  index: number;
  bytes: number;
  ms: number | null;
  meanMBps: number | null;
  outcome: CopyState;
}

export interface SessionStepCopies {
  step: number;
  position: number;
  sha: string;
  subject: string;
  verdict: 'good' | 'bad' | 'skip' | null;
  copies: ListedCopy[];
}

export interface RatePoint {
  position: number;
  step: number;
  copy: number;
  mean: number;
  verdict: 'good' | 'bad' | 'skip' | null;
  outcome: CopyState;
  sha: string;
  subject: string;
}

/** One point per finished copy of every tested commit: x = the commit's position in the range, y = mean MB/s. */
export function sessionRatePoints(steps: readonly SessionStepCopies[]): RatePoint[] {
  const out: RatePoint[] = [];
  for (const s of steps) {
    for (const c of s.copies) {
      if (c.meanMBps === null) continue;
      out.push({ position: s.position, step: s.step, copy: c.index, mean: c.meanMBps, verdict: s.verdict, outcome: c.outcome, sha: s.sha, subject: s.subject });
    }
  }
  return out;
}

export function verdictColor(v: 'good' | 'bad' | 'skip' | null): string {
  return v === 'good' ? 'var(--good)' : v === 'bad' ? 'var(--bad)' : v === 'skip' ? 'var(--skip)' : 'var(--testing)';
}
