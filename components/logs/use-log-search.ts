'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogDocument } from './log-document';
import { compileQuery, MatchList, SearchJob, type SearchOptions } from './search';

/** How often a running search may re-render the viewer with its progress. */
const PROGRESS_INTERVAL_MS = 120;

export interface LogSearchState {
  /** Matches so far (document order, global lines). Same object while the query stays. */
  matches: MatchList;
  /** How many matches `matches` holds (changes as the search goes on). */
  count: number;
  /** The search has seen every line (so far). */
  done: boolean;
  /** Why the query is not a valid expression, if it is not. */
  error: string | null;
  /** Lines searched so far, of `doc.count`. */
  searched: number;
}

const NO_MATCHES = new MatchList(0);

/**
 * Searches `doc` for `query` in the background (see SearchJob): restarts when
 * the query, its options or the document's earlier lines change; only
 * searches new lines when lines were appended. `shape` must change exactly
 * when lines already searched may have moved (lines dropped, parts replaced).
 */
export function useLogSearch(doc: LogDocument, shape: string, query: string, options: SearchOptions): LogSearchState {
  const compiled = useMemo(() => compileQuery(query, options), [query, options]);
  const docRef = useRef(doc);
  docRef.current = doc;
  const [job, setJob] = useState<SearchJob | null>(null);
  const [, setTick] = useState(0);

  useEffect(() => {
    if (!compiled?.ok) {
      setJob(null);
      return;
    }
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let announcedFirst = false;
    const j = new SearchJob(
      () => docRef.current,
      compiled.re,
      (jb) => {
        // The first match and the end show at once; progress in between at most every PROGRESS_INTERVAL_MS.
        const now = performance.now();
        const urgent = jb.done || (!announcedFirst && jb.matches.count > 0);
        if (jb.matches.count > 0) announcedFirst = true;
        if (urgent || now - last >= PROGRESS_INTERVAL_MS) {
          last = now;
          if (timer) clearTimeout(timer);
          timer = null;
          setTick((t) => t + 1);
        } else timer ??= setTimeout(() => {
          timer = null;
          last = performance.now();
          setTick((t) => t + 1);
        }, PROGRESS_INTERVAL_MS);
      },
    );
    setJob(j);
    j.start();
    return () => {
      j.stop();
      if (timer) clearTimeout(timer);
    };
  }, [compiled, shape]);

  // New lines: search them too.
  useEffect(() => {
    job?.extend();
  }, [job, doc]);

  if (!compiled) return { matches: NO_MATCHES, count: 0, done: true, error: null, searched: 0 };
  if (!compiled.ok) return { matches: NO_MATCHES, count: 0, done: true, error: compiled.error, searched: 0 };
  // Until the effect has started this query's job, the previous query's must not show (or be jumped to).
  if (!job || job.re !== compiled.re) return { matches: NO_MATCHES, count: 0, done: false, error: null, searched: 0 };
  return { matches: job.matches, count: job.matches.count, done: job.done, error: null, searched: job.searched };
}
