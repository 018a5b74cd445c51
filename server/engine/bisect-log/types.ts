/** What a parsed `git bisect log` holds (see parse.ts for what git writes). */

export type Verdict = 'good' | 'bad' | 'skip';

export interface BisectMark {
  /** 1-based line number in the input text. */
  line: number;
  verdict: Verdict;
  /** The word used on the line: the old/new term, or 'skip'. */
  term: string;
  /** Lower-cased hex object name as written (4-40 hex, or 64 for SHA-256 repos). */
  sha: string;
  /** From the preceding `# <term>: [sha] subject` comment, else null. */
  subject: string | null;
}

/** A rev given on the `git bisect start` line, resolved through the comments git writes before it. */
export interface BisectStartRev {
  verdict: 'good' | 'bad';
  term: string;
  /** As written on the start line (may be a ref such as `v5.10`). */
  rev: string;
  /** Full sha from the `# <term>: [sha] subject` comment preceding the start line, if any. */
  sha: string | null;
  subject: string | null;
}

export type BisectResult =
  | { kind: 'culprit'; sha: string; subject: string | null }
  | { kind: 'candidates'; shas: string[] };

export interface ParsedBisectLog {
  terms: { old: string; new: string };
  start: { bad: string | null; good: string[]; paths: string[]; firstParent: boolean; noCheckout: boolean };
  marks: BisectMark[];
  result: BisectResult | null;
  /**
   * Extension (optional so hand-built values still type-check): the start revs with the
   * sha/subject git logged for them. Present (possibly empty) on parser output.
   */
  startRevs?: BisectStartRev[];
}

export class BisectLogParseError extends Error {
  readonly line: number;
  readonly expected: string;
  constructor(line: number, expected: string, detail?: string) {
    super(`bisect log line ${line}: expected ${expected}${detail ? ` (${detail})` : ''}`);
    this.name = 'BisectLogParseError';
    this.line = line;
    this.expected = expected;
  }
}

/** Largest log accepted, in bytes and in lines. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;
export const MAX_LOG_LINES = 200_000;
