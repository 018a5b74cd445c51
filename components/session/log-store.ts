import type { LogLine } from '@/components/logs/LogView';

/** Lines kept per phase in the browser; older ones are dropped (the full log is downloadable). */
export const MAX_LINES_PER_PHASE = 200_000;

interface PhaseLog {
  lines: LogLine[];
  dropped: number;
}

/** Output of a session's phases as received from the event stream, bounded per phase. */
export class LogStore {
  private readonly logs = new Map<string, PhaseLog>();
  lastSeq = 0;

  append(step: number, phase: number, stream: LogLine['stream'], lines: string[]): void {
    const key = `${step}:${phase}`;
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = { lines: [], dropped: 0 }));
    for (const text of lines) log.lines.push({ text, stream });
    const excess = log.lines.length - MAX_LINES_PER_PHASE;
    if (excess > MAX_LINES_PER_PHASE / 10) {
      log.lines = log.lines.slice(excess);
      log.dropped += excess;
    }
  }

  get(step: number, phase: number): PhaseLog {
    return this.logs.get(`${step}:${phase}`) ?? { lines: [], dropped: 0 };
  }
}
