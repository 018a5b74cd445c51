import { stripAnsi } from '@/lib/ansi';

/**
 * Search in logs: what a query matches in one line (pure), and a job that
 * searches millions of lines in slices so the page keeps drawing frames.
 * Positions are in the line's visible text (ANSI escapes removed, as drawn).
 */

export interface SearchOptions {
  /** Treat the query as a regular expression (JavaScript syntax). */
  regex: boolean;
  /** Match case; otherwise case-insensitive. */
  matchCase: boolean;
}

export type CompiledQuery = { ok: true; re: RegExp } | { ok: false; error: string };

/** A query as a global RegExp, or why it is not one. The empty query matches nothing (null). */
export function compileQuery(query: string, o: SearchOptions): CompiledQuery | null {
  if (query === '') return null;
  const source = o.regex ? query : query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    return { ok: true, re: new RegExp(source, o.matchCase ? 'g' : 'gi') };
  } catch (err) {
    return { ok: false, error: (err as Error).message.replace(/^Invalid regular expression: /, '') };
  }
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** The text of a line as drawn: escapes removed, `\r` rewrites applied. Lines without control characters are returned as they are. */
export function visibleText(line: string): string {
  return CONTROL.test(line) ? stripAnsi(line) : line;
}

/** Most matches one line contributes (a regex like `.` on a 10,000-character line). */
const MAX_MATCHES_PER_LINE = 1000;

/** [start, end) of every match of `re` (global) in `text`; empty matches are skipped. */
export function matchesInLine(text: string, re: RegExp): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
    if (out.length >= MAX_MATCHES_PER_LINE) break;
  }
  re.lastIndex = 0;
  return out;
}

/**
 * Matches found so far, in document order: for match k, `line[k]` is the
 * line (in the caller's numbering) and `start[k]`/`end[k]` the columns.
 * Grows in place as a job finds more; `count` is how many are valid.
 */
export class MatchList {
  line = new Int32Array(256);
  start = new Int32Array(256);
  end = new Int32Array(256);
  count = 0;
  /** More matches exist than the list holds. */
  capped = false;

  constructor(readonly limit = 1_000_000) {}

  push(line: number, start: number, end: number): boolean {
    if (this.count >= this.limit) {
      this.capped = true;
      return false;
    }
    if (this.count === this.line.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.line = grow(this.line);
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    this.line[this.count] = line;
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.count++;
    return true;
  }

  /** Index of the first match on a line ≥ `line` (count when none). */
  firstAtOrAfter(line: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.line[mid] as number) < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Column ranges of the matches on `line`, and the index of the first of them. */
  onLine(line: number): { first: number; ranges: Array<[number, number]> } {
    const first = this.firstAtOrAfter(line);
    const ranges: Array<[number, number]> = [];
    for (let k = first; k < this.count && this.line[k] === line; k++) ranges.push([this.start[k] as number, this.end[k] as number]);
    return { first, ranges };
  }
}

export interface SearchSource {
  /** Lines to search: 0 … count-1. */
  readonly count: number;
  /** Raw text of a line. */
  text(line: number): string;
  /** Lines not to search (hidden section-end markers). */
  skip?(line: number): boolean;
}

/** Searches lines [from, to) of `src` for `re`, adding to `out`. Pure apart from `out`. */
export function searchRange(src: SearchSource, re: RegExp, from: number, to: number, out: MatchList): void {
  for (let i = from; i < to; i++) {
    if (src.skip?.(i)) continue;
    const text = visibleText(src.text(i));
    re.lastIndex = 0;
    if (!re.test(text)) continue;
    for (const [s, e] of matchesInLine(text, re)) if (!out.push(i, s, e)) return;
  }
  re.lastIndex = 0;
}

/** Longest slice of work between two yields to the browser, ms. */
export const SEARCH_SLICE_MS = 8;

type Yield = (fn: () => void) => () => void;

/** Runs `fn` in a new task soon (MessageChannel: no 4 ms clamp of nested timers); returns a cancel function. */
export const yieldToBrowser: Yield = (fn) => {
  if (typeof MessageChannel === 'undefined') {
    const t = setTimeout(fn, 0);
    return () => clearTimeout(t);
  }
  const ch = new MessageChannel();
  let live = true;
  ch.port1.onmessage = () => {
    ch.port1.close();
    if (live) fn();
  };
  ch.port2.postMessage(null);
  return () => {
    live = false;
    ch.port1.close();
  };
};

/**
 * Searches a growing source in slices of at most SEARCH_SLICE_MS, yielding to
 * the browser between them: the main thread is never held for long, however
 * many lines. `extend()` after lines were appended searches only the new ones.
 * `onProgress` is called after every slice (and when done) with the matches so
 * far: a consumer may show the first ones before the search is over.
 */
export class SearchJob {
  readonly matches = new MatchList();
  private next = 0;
  private cancel: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly src: () => SearchSource,
    /** What it looks for (consumers tell a job of an older query by it). */
    readonly re: RegExp,
    private readonly onProgress: (job: SearchJob) => void,
    private readonly schedule: Yield = yieldToBrowser,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Lines searched so far. */
  get searched(): number {
    return this.next;
  }

  get done(): boolean {
    return this.next >= this.src().count || this.matches.capped;
  }

  start(): this {
    this.extend();
    return this;
  }

  /** Searches lines the source gained since (no-op if a slice is already pending). */
  extend(): void {
    if (this.stopped || this.cancel || this.done) return;
    this.cancel = this.schedule(() => this.slice());
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
  }

  private slice(): void {
    this.cancel = null;
    if (this.stopped) return;
    const src = this.src();
    const t0 = this.now();
    // Chunks of lines, checking the clock between them.
    while (this.next < src.count && !this.matches.capped && this.now() - t0 < SEARCH_SLICE_MS) {
      const to = Math.min(src.count, this.next + 2048);
      searchRange(src, this.re, this.next, to, this.matches);
      this.next = to;
    }
    this.onProgress(this);
    if (!this.done) this.cancel = this.schedule(() => this.slice());
  }
}
