import { termFor } from '../engine/bisect/terms';
import type { SessionDetail } from '../../db/queries/sessions';
import { formatBisectLog, type ParsedBisectLog } from '../engine/bisect-log';

/**
 * A session's `git bisect log`, for `git bisect replay`. Finished sessions
 * store the log git itself wrote; while a session runs, the same text is built
 * from its stored steps (start revs as full shas, one mark per verdict, no
 * result yet). Check steps, verification runs and superseded verdicts were never
 * marked in git and are left out.
 */
export function sessionBisectLog(d: SessionDetail): string {
  const s = d.session;
  if (s.bisectLog.trim()) return s.bisectLog;
  const marks = d.steps
    .filter((st) => st.verdict !== null && !['check', 'verify'].includes((st as { kind?: string }).kind ?? 'bisect') && !(st as { superseded?: boolean }).superseded)
    .map((st) => ({ ...st, verdict: st.verdict! }))
    .map((st) => ({
      line: 0,
      verdict: st.verdict,
      term: termFor(st.verdict, { old: s.termOld, new: s.termNew }),
      sha: st.commit.sha,
      subject: st.commit.subject || null,
    }));
  const parsed: ParsedBisectLog = {
    terms: { old: s.termOld, new: s.termNew },
    start: { bad: s.badSha, good: s.goodShas, paths: s.paths, firstParent: s.firstParent, noCheckout: false },
    marks,
    result: null,
  };
  return formatBisectLog(parsed);
}

/** A file name for downloads: `bisect-<title words>.log`. */
export function downloadName(title: string, ext: string): string {
  const base = title.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'session';
  return `bisect-${base}.${ext}`;
}
