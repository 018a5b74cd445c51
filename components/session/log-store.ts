import { LogLines, type LogStream } from '@/components/logs/log-lines';

/** Lines kept per phase in the browser; older ones are dropped (the full log is downloadable). */
export const MAX_LINES_PER_PHASE = 1_000_000;
/** Lines kept for the whole session; beyond it the oldest phases other than the newest are emptied. */
export const MAX_LINES_TOTAL = 3_000_000;

/**
 * Output of a session's phases as received from the event stream, bounded per
 * phase and in all. One LogLines per (step, phase), created on first use and
 * kept for the page's life (views hold on to it and watch its `version`).
 */
export class LogStore {
  private readonly logs = new Map<string, LogLines>();
  private total = 0;
  lastSeq = 0;

  /** `time`: when the server stored the lines (ms since the epoch), null when unknown. */
  append(step: number, phase: number, stream: LogStream, lines: string[], time: number | null = null): void {
    const log = this.get(step, phase);
    log.append(lines, stream, time);
    this.total += lines.length;
    const excess = log.count - MAX_LINES_PER_PHASE;
    if (excess > MAX_LINES_PER_PHASE / 10) {
      log.dropFront(excess);
      this.total -= excess;
    }
    if (this.total > MAX_LINES_TOTAL) this.evictOldest(log);
  }

  get(step: number, phase: number): LogLines {
    const key = `${step}:${phase}`;
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new LogLines()));
    return log;
  }

  private evictOldest(keep: LogLines): void {
    for (const log of this.logs.values()) {
      if (this.total <= MAX_LINES_TOTAL * 0.9) return;
      if (log === keep || log.count === 0) continue;
      this.total -= log.count;
      log.dropFront(log.count);
    }
  }
}
