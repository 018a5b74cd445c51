import type { BisectTerms, StepVerdict } from './types';

/** The first 12 characters of a commit id, as shown everywhere in the UI. */
export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * A commit subject as every view shows it (step list, timeline tooltip and
 * marker label): whitespace runs collapsed, trimmed, and a placeholder for
 * none, so the views never disagree.
 */
export function subjectText(subject: string | null | undefined): string {
  const s = (subject ?? '').replace(/\s+/g, ' ').trim();
  return s === '' ? '(no subject)' : s;
}

/** How a verdict is named to the user: the bisect's own terms for good/bad. */
export function verdictTerm(verdict: StepVerdict, terms: BisectTerms): string {
  switch (verdict) {
    case 'good':
      return terms.old;
    case 'bad':
      return terms.new;
    case 'skip':
      return 'skip';
    case null:
      return 'testing';
  }
}

/** CSS-class-friendly name of a verdict (`testing` for null). */
export function verdictKey(verdict: StepVerdict): 'good' | 'bad' | 'skip' | 'testing' {
  return verdict ?? 'testing';
}

/**
 * Compact duration: "850 ms", "12.3 s", "4m 05s", "1h 02m". Negative or
 * non-finite input gives "—".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`; // truncated, never "60.0 s"
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    return `${m}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}
