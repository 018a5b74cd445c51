/** "1h 02m", "3m 05s", "12s", "0.4s". A negative duration (clocks a little apart) reads as "0.0s", never "-0.1s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : '';
}

/**
 * Estimated time left: the current step's expected remainder plus git's
 * "roughly M steps" after it, at the mean duration of finished steps.
 * Null until a step has finished.
 */
export function estimateRemainingMs(finishedStepMs: number[], stepsLeftAfterCurrent: number, currentElapsedMs: number | null): number | null {
  if (finishedStepMs.length === 0) return null;
  const mean = finishedStepMs.reduce((a, b) => a + b, 0) / finishedStepMs.length;
  const current = currentElapsedMs === null ? 0 : Math.max(0, mean - currentElapsedMs);
  return current + Math.max(0, stepsLeftAfterCurrent) * mean;
}

/**
 * Time since `startedAt` (an ISO string, epoch ms or Date) at `now` (epoch ms),
 * never negative: a start stamped by the server a moment "in the future" of
 * the browser's clock, or a `now` older than the start (a clock that ticks once
 * a second), reads as 0. Null when there is no start.
 */
export function elapsedMs(startedAt: string | number | Date | null | undefined, now: number): number | null {
  if (startedAt === null || startedAt === undefined) return null;
  const t = startedAt instanceof Date ? startedAt.getTime() : typeof startedAt === 'number' ? startedAt : Date.parse(startedAt);
  if (!Number.isFinite(t) || !Number.isFinite(now)) return null;
  return Math.max(0, now - t);
}

/** Local wall-clock time of day with milliseconds, "14:03:07.125" (log line timestamps). */
export function formatClockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
