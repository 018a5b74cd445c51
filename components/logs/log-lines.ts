import { SectionParser, type LogSection } from './sections';

export type LogStream = 'stdout' | 'stderr';

/**
 * The lines of one log (one phase) held in the browser, compact enough for
 * millions: the texts, a flag byte per line (section markers), and one entry
 * per appended batch for what a batch shares (stream, time).
 *
 * Contract: append-only, except that `dropFront` removes the oldest lines
 * (their count goes to `dropped`, so absolute line numbers stay put). `version`
 * changes on every change; a reader that saw `count` lines at one version can
 * keep reading those indexes until `dropped` changes. Index arguments are
 * 0-based positions among the lines held.
 */
export class LogLines {
  private texts: string[] = [];
  private flagBytes = new Uint8Array(1024);
  /** Batches: first line index, stream, time (ms since the epoch, NaN when unknown). */
  private batchStart: number[] = [];
  private batchStderr: boolean[] = [];
  private batchTime: number[] = [];
  private parser = new SectionParser();
  dropped = 0;
  version = 0;

  get count(): number {
    return this.texts.length;
  }

  get sections(): readonly LogSection[] {
    return this.parser.sections;
  }

  text(i: number): string {
    return this.texts[i] ?? '';
  }

  flags(i: number): number {
    return this.flagBytes[i] ?? 0;
  }

  /** The flag bytes of lines 0 … count-1 (a view: valid until the next append), for tight loops. */
  flagArray(): Uint8Array {
    return this.flagBytes.subarray(0, this.texts.length);
  }

  stream(i: number): LogStream {
    return this.batchStderr[this.batchOf(i)] ? 'stderr' : 'stdout';
  }

  /** When the line was written (ms since the epoch), or null when not known. */
  time(i: number): number | null {
    const t = this.batchTime[this.batchOf(i)];
    return t === undefined || Number.isNaN(t) ? null : t;
  }

  /** Appends one batch of lines sharing a stream and a time (null: unknown). */
  append(lines: readonly string[], stream: LogStream, time: number | null): void {
    if (lines.length === 0) return;
    const first = this.texts.length;
    const lastBatch = this.batchStart.length - 1;
    const t = time ?? Number.NaN;
    const same = lastBatch >= 0 && this.batchStderr[lastBatch] === (stream === 'stderr') && Object.is(this.batchTime[lastBatch], t);
    if (!same) {
      this.batchStart.push(first);
      this.batchStderr.push(stream === 'stderr');
      this.batchTime.push(t);
    }
    for (const line of lines) this.texts.push(line);
    if (this.texts.length > this.flagBytes.length) {
      const grown = new Uint8Array(Math.max(this.texts.length, this.flagBytes.length * 2));
      grown.set(this.flagBytes);
      this.flagBytes = grown;
    }
    this.parser.push(lines, first, (i, flag) => {
      this.flagBytes[i] = (this.flagBytes[i] ?? 0) | flag;
    });
    this.version++;
  }

  /** Drops the oldest `n` lines (memory cap); sections are parsed again from what is left. */
  dropFront(n: number): void {
    const k = Math.min(Math.max(0, Math.floor(n)), this.texts.length);
    if (k === 0) return;
    const texts = this.texts.slice(k);
    const starts = this.batchStart;
    const batches: Array<{ start: number; stderr: boolean; time: number }> = [];
    for (let b = 0; b < starts.length; b++) {
      const end = starts[b + 1] ?? this.texts.length;
      if (end <= k) continue;
      batches.push({ start: Math.max(0, (starts[b] as number) - k), stderr: this.batchStderr[b] ?? false, time: this.batchTime[b] ?? Number.NaN });
    }
    this.texts = [];
    this.flagBytes = new Uint8Array(Math.max(1024, texts.length));
    this.batchStart = [];
    this.batchStderr = [];
    this.batchTime = [];
    this.parser = new SectionParser();
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as (typeof batches)[number];
      const end = batches[b + 1]?.start ?? texts.length;
      this.append(texts.slice(batch.start, end), batch.stderr ? 'stderr' : 'stdout', Number.isNaN(batch.time) ? null : batch.time);
    }
    this.dropped += k;
    this.version++;
  }

  private batchOf(i: number): number {
    const starts = this.batchStart;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
