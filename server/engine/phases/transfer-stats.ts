/**
 * Pure helpers of the transfer phase: rates, stall detection, per-copy
 * summaries and the lines written to the phase log. No I/O, no timers: the
 * caller passes the clock, so the table tests in transfer-stats.test.ts can
 * drive every case.
 */

/** How a copy ended. `sinkError`: the remote sink command failed (e.g. its path cannot be written). */
export type CopyOutcome = 'ok' | 'stalled' | 'timedOut' | 'connectionError' | 'sinkError';

/** One throughput sample of a running copy. */
export interface TransferSample {
  /** Seconds since the copy started (millisecond precision). */
  t: number;
  /** Payload bytes sent so far (bytes the kernel accepted on the socket, capped at the copy's size). */
  bytes: number;
  /** Rate over the interval since the previous sample, in MB/s (10^6 bytes per second). */
  rateMBps: number;
}

/** What is stored and shown for each finished copy. */
export interface CopySummary {
  /** 1-based copy number ("copy 3/15"). */
  copy: number;
  copies: number;
  /** Bytes sent (the whole payload when `ok`). */
  bytes: number;
  /** Size of the payload. */
  payloadBytes: number;
  ms: number;
  meanMBps: number;
  minMBps: number;
  maxMBps: number;
  outcome: CopyOutcome;
  /** One sentence for people: where and why a failed copy stopped; empty when `ok`. */
  detail: string;
}

export const MB = 1_000_000;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Bytes over milliseconds in MB/s; 0 for an empty interval. */
export function rateMBps(bytes: number, ms: number): number {
  if (!(ms > 0) || !(bytes > 0)) return 0;
  return bytes / MB / (ms / 1000);
}

/** Rounds to `digits` decimals (keeps stored samples and events compact). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Follows one copy: turns readings of "bytes sent so far" into samples and
 * says when the copy has made no progress for the stall window.
 */
export class CopyMeter {
  readonly samples: TransferSample[] = [];
  private lastMs = 0;
  private lastBytes = 0;
  private progressMs = 0;
  private progressBytes = 0;

  constructor(
    private readonly o: {
      /** Size of the payload: readings are capped at it (socket counts include SSH framing). */
      totalBytes: number;
      /** No progress for this long is a stall. */
      stallMs: number;
    },
  ) {}

  /** Bytes sent as of the latest reading. */
  get bytes(): number {
    return this.lastBytes;
  }

  /** When (ms since the copy started) and at which byte the copy last made progress. */
  get lastProgress(): { ms: number; bytes: number } {
    return { ms: this.progressMs, bytes: this.progressBytes };
  }

  /**
   * Records a reading taken `ms` after the copy started. Readings never go
   * backwards (a smaller one is taken as no progress). Returns the new sample.
   */
  read(ms: number, sentBytes: number): TransferSample {
    const bytes = Math.min(Math.max(sentBytes, this.lastBytes), this.o.totalBytes);
    const sample: TransferSample = {
      t: round(ms / 1000, 3),
      bytes,
      rateMBps: round(rateMBps(bytes - this.lastBytes, ms - this.lastMs), 2),
    };
    if (bytes > this.progressBytes) {
      this.progressBytes = bytes;
      this.progressMs = ms;
    }
    this.lastMs = ms;
    this.lastBytes = bytes;
    this.samples.push(sample);
    return sample;
  }

  /** Milliseconds without progress as of `ms`. */
  idleMs(ms: number): number {
    return Math.max(0, ms - this.progressMs);
  }

  /** True once there was no progress for the whole stall window. */
  stalled(ms: number): boolean {
    return this.idleMs(ms) >= this.o.stallMs;
  }
}

/** Mean over the whole copy; min and max over the sample intervals (mean when there are none). */
export function rateStats(samples: readonly TransferSample[], bytes: number, ms: number): { meanMBps: number; minMBps: number; maxMBps: number } {
  const meanMBps = round(rateMBps(bytes, ms), 2);
  if (samples.length === 0) return { meanMBps, minMBps: meanMBps, maxMBps: meanMBps };
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    if (s.rateMBps < min) min = s.rateMBps;
    if (s.rateMBps > max) max = s.rateMBps;
  }
  return { meanMBps, minMBps: round(min, 2), maxMBps: round(max, 2) };
}

/** `2048 MiB` (whole MiB from 100 MiB on), `12.5 MiB`, `512 KiB`, `100 B`. */
export function formatMiB(bytes: number): string {
  if (bytes >= 100 * MiB) return `${Math.round(bytes / MiB)} MiB`;
  if (bytes >= MiB) return `${round(bytes / MiB, 1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

/** A position in a copy: `1.2 GiB`, `340.5 MiB`, `12 KiB`, `0 B`. */
export function formatSize(bytes: number): string {
  if (bytes >= GiB) return `${round(bytes / GiB, 1)} GiB`;
  if (bytes >= MiB) return `${round(bytes / MiB, 1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

/** Seconds with one decimal below 100 s: `28.1 s`, `180 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 100 ? `${round(s, 1)} s` : `${Math.round(s)} s`;
}

/** The phase-log line for a finished copy, e.g. `copy 3/15: 2048 MiB in 28.1 s, 72.9 MB/s`. */
export function copyLine(c: CopySummary): string {
  const n = `copy ${c.copy}/${c.copies}`;
  switch (c.outcome) {
    case 'ok':
      return `${n}: ${formatMiB(c.bytes)} in ${formatSeconds(c.ms)}, ${round(c.meanMBps, 1)} MB/s`;
    case 'stalled':
    case 'timedOut':
    case 'connectionError':
    case 'sinkError':
      return `${n} ${c.detail}`;
  }
}

/** The `detail` of a stalled copy: `stalled at 1.2 GiB after 20 s without progress`. */
export function stallDetail(atBytes: number, stallMs: number): string {
  return `stalled at ${formatSize(atBytes)} after ${formatSeconds(stallMs)} without progress`;
}

export function timeoutDetail(atBytes: number, payloadBytes: number, limitMs: number): string {
  return `timed out after ${formatSeconds(limitMs)} at ${formatSize(atBytes)} of ${formatSize(payloadBytes)}`;
}

export function connectionErrorDetail(atBytes: number, ms: number, message: string): string {
  return `lost its connection at ${formatSize(atBytes)} after ${formatSeconds(ms)}: ${message}`;
}

export function sinkErrorDetail(atBytes: number, exit: string, stderr: string): string {
  const why = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
  return `failed at ${formatSize(atBytes)}: the sink command ${exit}${why ? `: ${why}` : ''}`;
}

/** The phase's last line: how many copies passed and their rates. */
export function phaseSummaryLine(copies: readonly CopySummary[]): string {
  const ok = copies.filter((c) => c.outcome === 'ok');
  if (ok.length === 0) return 'no copy completed';
  const means = ok.map((c) => c.meanMBps);
  const bytes = ok.reduce((a, c) => a + c.bytes, 0);
  const ms = ok.reduce((a, c) => a + c.ms, 0);
  return (
    `${ok.length}/${copies[0]?.copies ?? ok.length} copies completed, ${formatMiB(bytes)} in ${formatSeconds(ms)}: ` +
    `mean ${round(rateMBps(bytes, ms), 1)} MB/s (slowest copy ${round(Math.min(...means), 1)}, fastest ${round(Math.max(...means), 1)})`
  );
}
