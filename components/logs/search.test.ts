import { describe, expect, it } from 'vitest';
import { DEFAULT_ERROR_PATTERNS, errorQuery, loadErrorPatterns, parsePatternList, saveErrorPatterns } from './error-patterns';
import { markSpans } from './highlight';
import { compileQuery, MatchList, matchesInLine, SearchJob, searchRange, visibleText } from './search';

describe('compileQuery', () => {
  it('escapes literal queries, is case-insensitive unless asked, reports bad expressions', () => {
    const lit = compileQuery('a.b(', { regex: false, matchCase: false });
    expect(lit?.ok && matchesInLine('xA.B(y a.b(', lit.re)).toEqual([[1, 5], [7, 11]]);
    const cased = compileQuery('Error', { regex: false, matchCase: true });
    expect(cased?.ok && matchesInLine('error Error', cased.re)).toEqual([[6, 11]]);
    const re = compileQuery('Error [0-9]', { regex: true, matchCase: true });
    expect(re?.ok && matchesInLine('make: *** [x] Error 2', re.re)).toEqual([[14, 21]]);
    expect(compileQuery('(', { regex: true, matchCase: false })).toMatchObject({ ok: false });
    expect(compileQuery('', { regex: false, matchCase: false })).toBeNull();
  });

  it('skips empty matches instead of looping', () => {
    const q = compileQuery('x*', { regex: true, matchCase: false });
    expect(q?.ok && matchesInLine('axxb', q.re)).toEqual([[1, 3]]);
  });
});

describe('searching lines', () => {
  const lines = ['\x1b[31merror:\x1b[0m one', 'fine', 'progress 10%\rdone error:', 'x', 'error: error:'];
  const src = { count: lines.length, text: (i: number) => lines[i] ?? '', skip: (i: number) => i === 3 };

  it('matches the visible text (escapes removed, \\r rewrites applied) and skips hidden lines', () => {
    expect(visibleText('plain\tline')).toBe('plain\tline');
    expect(visibleText('\x1b[1mbold\x1b[0m')).toBe('bold');
    const out = new MatchList();
    searchRange(src, /error:/g, 0, lines.length, out);
    expect(Array.from(out.line.slice(0, out.count))).toEqual([0, 2, 4, 4]);
    expect([out.start[1], out.end[1]]).toEqual([5, 11]);
    expect(out.onLine(4)).toEqual({ first: 2, ranges: [[0, 6], [7, 13]] });
    expect(out.firstAtOrAfter(1)).toBe(1);
    expect(out.firstAtOrAfter(5)).toBe(4);
  });

  it('caps the number of matches', () => {
    const out = new MatchList(3);
    searchRange(src, /e/g, 0, lines.length, out);
    expect(out.count).toBe(3);
    expect(out.capped).toBe(true);
  });

  it('a job searches in slices, reports progress, and extends to appended lines only', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => (i % 1000 === 7 ? `line ${i} BUG: here` : `line ${i}`));
    const source = { count: 30_000, text: (i: number) => many[i] ?? '' };
    const queue: Array<() => void> = [];
    let clock = 0;
    const progress: number[] = [];
    const job = new SearchJob(
      () => source,
      /BUG:/g,
      (j) => progress.push(j.matches.count),
      (fn) => {
        queue.push(fn);
        return () => undefined;
      },
      () => (clock += 1), // every clock read costs 1 ms: a slice holds ~8 chunks
    ).start();
    while (queue.length) queue.shift()!();
    expect(job.done).toBe(true);
    expect(job.matches.count).toBe(30);
    expect(progress.length).toBeGreaterThan(1);
    source.count = 50_000;
    job.extend();
    while (queue.length) queue.shift()!();
    expect(job.matches.count).toBe(50);
    expect(job.searched).toBe(50_000);
  });
});

describe('error patterns', () => {
  it('the defaults find kernel and compiler failures, not ordinary lines', () => {
    const { query, problems } = errorQuery(DEFAULT_ERROR_PATTERNS);
    expect(problems).toEqual([]);
    const re = new RegExp(query);
    for (const l of [
      "drivers/net/virtio_net.c:3214:9: error: implicit declaration of function 'x'",
      'make[2]: *** [scripts/Makefile.build:514: drivers/net] Error 2',
      '[   12.345] BUG: kernel NULL pointer dereference, address: 0000000000000008',
      '[   12.346] Oops: 0002 [#1] PREEMPT SMP NOPTI',
      '[   12.400] Kernel panic - not syncing: Fatal exception',
      '[    1.000] WARNING: CPU: 1 PID: 0 at kernel/sched/core.c:123 foo+0x1/0x2',
      'not ok 3 selftests: net: FAILED',
      '[   12.347] Call Trace:',
    ])
      expect(re.test(l)).toBe(true);
    for (const l of ['  CC      drivers/virtio/virtio_ring.o', 'errors: 0', 'Error handling test passed']) expect(re.test(l)).toBe(false);
  });

  it('bad patterns are reported and left out; the list round-trips through storage', () => {
    expect(errorQuery(['ok', '(', '']).problems.map((p) => p.pattern)).toEqual(['(']);
    expect(parsePatternList('a\r\n\n b \n')).toEqual(['a', ' b ']);
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    expect(loadErrorPatterns(storage)).toEqual([...DEFAULT_ERROR_PATTERNS]);
    saveErrorPatterns(['segfault'], storage);
    expect(loadErrorPatterns(storage)).toEqual(['segfault']);
    saveErrorPatterns([...DEFAULT_ERROR_PATTERNS], storage);
    expect(store.size).toBe(0);
  });
});

describe('markSpans', () => {
  it('cuts styled spans at match boundaries and marks the current match', () => {
    const spans = [{ text: 'make: ', bold: true }, { text: 'Error 2', fg: 'red' }];
    expect(markSpans(spans, [[4, 8], [11, 13]], 1)).toEqual([
      { text: 'make', bold: true },
      { text: ': ', bold: true, mark: 'match' },
      { text: 'Er', fg: 'red', mark: 'match' },
      { text: 'ror', fg: 'red' },
      { text: ' 2', fg: 'red', mark: 'current' },
    ]);
    expect(markSpans(spans, [])).toBe(spans);
  });
});
