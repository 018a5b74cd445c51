/**
 * What "Jump to first error" looks for: kernel and compiler failure patterns,
 * regular expressions matched against each line's visible text, case-sensitive
 * (`error:` is gcc's and clang's, `Error 1` make's, `BUG:`/`Oops`/`Kernel
 * panic`/`WARNING:`/`Call Trace:` the kernel's, `FAILED` test runners').
 * Users can change the list; it is kept in localStorage under STORAGE_KEY.
 */

export const DEFAULT_ERROR_PATTERNS: readonly string[] = [
  'error:',
  'Error [0-9]',
  'BUG:',
  'Oops',
  'Kernel panic',
  'WARNING:',
  'FAILED',
  'Call Trace:',
];

export const STORAGE_KEY = 'bisect-dashboard.log.error-patterns';

export interface ErrorPatternProblem {
  pattern: string;
  error: string;
}

/** The patterns as one search query (regex alternation), and the ones that are not valid expressions (left out). */
export function errorQuery(patterns: readonly string[]): { query: string; problems: ErrorPatternProblem[] } {
  const ok: string[] = [];
  const problems: ErrorPatternProblem[] = [];
  for (const p of patterns) {
    if (p.trim() === '') continue;
    try {
      new RegExp(p);
      ok.push(p);
    } catch (err) {
      problems.push({ pattern: p, error: (err as Error).message.replace(/^Invalid regular expression: /, '') });
    }
  }
  return { query: ok.map((p) => `(?:${p})`).join('|'), problems };
}

/** One pattern per line; blank lines dropped. */
export function parsePatternList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

export function loadErrorPatterns(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): string[] {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return [...DEFAULT_ERROR_PATTERNS];
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) && list.every((x) => typeof x === 'string') && list.length > 0 ? list : [...DEFAULT_ERROR_PATTERNS];
  } catch {
    return [...DEFAULT_ERROR_PATTERNS];
  }
}

/** Saves the list; the defaults are stored as "nothing" so later default changes reach the user. */
export function saveErrorPatterns(patterns: readonly string[], storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = globalThis.localStorage): void {
  try {
    const same = patterns.length === DEFAULT_ERROR_PATTERNS.length && patterns.every((p, i) => p === DEFAULT_ERROR_PATTERNS[i]);
    if (same) storage?.removeItem(STORAGE_KEY);
    else storage?.setItem(STORAGE_KEY, JSON.stringify(patterns));
  } catch {
    /* private mode or full storage: the list lasts for this page */
  }
}
