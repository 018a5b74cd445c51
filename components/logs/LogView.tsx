'use client';

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type MouseEvent } from 'react';
import { DEFAULT_ERROR_PATTERNS, errorQuery, loadErrorPatterns, saveErrorPatterns } from './error-patterns';
import { FoldState, LogDocument, RowList, rowSortKey, type LogPart } from './log-document';
import { LogLineRow, PartHeaderRow, SectionRow } from './LogRows';
import { LogToolbar } from './LogToolbar';
import { RowLayout } from './row-layout';
import type { MatchList, SearchOptions } from './search';
import { useFollowTail } from './use-follow-tail';
import { useLogSearch } from './use-log-search';
import { usePersistentFlag } from './use-persistent-flag';

export type { LogPart } from './log-document';

/** Height of an unwrapped row in px (= line-height in logs.css). */
export const LOG_ROW_HEIGHT = 18;
/** Rows rendered beyond the viewport on each side. */
const OVERSCAN = 20;
/** Typing settles this long before a new search starts. */
const SEARCH_DEBOUNCE_MS = 150;

export interface LogTarget {
  /** Index into `parts`. */
  part: number;
  /** First and last line (absolute, 1-based, as in the raw log); `endLine` null for one line. */
  line: number;
  endLine: number | null;
}

export interface LogViewProps {
  /** The step's phases in order. Their LogLines grow while the step runs. */
  parts: readonly LogPart[];
  /** Changes whenever any part's lines changed (e.g. the parts' `lines.version`s joined). */
  version: string | number;
  /** The step is running: offer follow-tail (on until the user scrolls up). */
  live?: boolean;
  /** Height of the scrolling area in px. Default 480. */
  height?: number;
  emptyText?: string;
  /** The permalink fragment of a part without the line, e.g. `s3-build` (lines get `-L12`). */
  anchorOf(part: LogPart): string;
  /** Where a part's raw log downloads from; null for none. */
  rawHref?(part: LogPart): string | null;
  /** Lines to scroll to and highlight (a permalink); applied once its lines have arrived, again when the object changes. */
  target?: LogTarget | null;
  /** A part to unfold and scroll to (a phase picked elsewhere); applied again when the object changes. */
  focus?: { part: number } | null;
}

/**
 * The log of a step: each phase a foldable part, GitLab-style sections inside
 * folding too, search with highlighted matches (n of m, Enter / Shift+Enter),
 * jump to the first error, line permalinks, timestamps and wrapping on demand,
 * follow-tail. Virtualised (only the rows in view are in the DOM; offsets in a
 * Fenwick tree) and searched in slices, so a million lines stay smooth.
 */
export function LogView({ parts, version, live = false, height = 480, emptyText = 'No output yet.', anchorOf, rawHref, target, focus }: LogViewProps) {
  const doc = useMemo(() => new LogDocument(parts), [parts, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const fold = useRef(new FoldState()).current;
  const [foldVersion, setFoldVersion] = useState(0);
  const bumpFold = useCallback(() => setFoldVersion(fold.version), [fold]);
  const [wrap, setWrap] = usePersistentFlag('bisect-dashboard.log.wrap', false);
  const [timestamps, setTimestamps] = usePersistentFlag('bisect-dashboard.log.timestamps', false);

  // Rows and their offsets, kept in step with the document.
  const rowList = useRef(new RowList()).current;
  const layout = useRef(new RowLayout(LOG_ROW_HEIGHT)).current;
  const measured = useRef(new Map<number, number>()).current;
  const [measureVersion, setMeasureVersion] = useState(0);
  useMemo(() => {
    const rebuilt = rowList.update(doc, fold);
    // Unwrapped (or nothing measured yet), every row is LOG_ROW_HEIGHT: the layout needs no tree.
    const heightOf = wrap && measured.size > 0 ? (r: number) => measured.get(rowSortKey(doc, rowList.rows[r] as number)) : undefined;
    if (rebuilt || layout.count > rowList.length) layout.reset(rowList.length, heightOf);
    else layout.grow(rowList.length, heightOf);
  }, [doc, foldVersion, wrap, rowList, layout, measured, fold]); // eslint-disable-line react-hooks/exhaustive-deps
  const total = layout.total;

  const scrollRef = useRef<HTMLDivElement>(null);
  const rowsRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(() => (live ? Number.MAX_SAFE_INTEGER : 0));
  const follow = useFollowTail(scrollRef, live, total);
  const setPinned = follow.setPinned;

  // Search.
  const [query, setQuery] = useState('');
  const [searchQuery, setSearchQuery] = useState('');
  const [regex, setRegex] = useState(false);
  const [matchCase, setMatchCase] = useState(false);
  const [errorPatterns, setErrorPatterns] = useState<readonly string[]>(DEFAULT_ERROR_PATTERNS);
  useEffect(() => setErrorPatterns(loadErrorPatterns()), []);
  useEffect(() => {
    if (query === searchQuery) return;
    const t = setTimeout(() => setSearchQuery(query), query === '' ? 0 : SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [query, searchQuery]);
  const options = useMemo<SearchOptions>(() => ({ regex, matchCase }), [regex, matchCase]);
  const shape = parts.map((p, i) => `${p.key}:${p.lines.dropped}:${i < parts.length - 1 ? p.lines.count : ''}`).join(',');
  const search = useLogSearch(doc, shape, searchQuery, options);
  // The current match belongs to one match list: a new search has none until one is picked.
  const [picked, setPicked] = useState<{ list: MatchList; k: number } | null>(null);
  const current = picked && picked.list === search.matches ? picked.k : -1;
  // A search to show the first match of as soon as it is found (typed, or Jump to first error): its key.
  const searchKey = (q: string, o: SearchOptions) => `${o.regex ? 'r' : 'l'}${o.matchCase ? 'c' : 'i'}:${q}`;
  const [jumpFor, setJumpFor] = useState<string | null>(null);

  // Scrolling to a row once the rows are up to date (after a reveal re-lays them out).
  const pendingScroll = useRef<{ line: number } | { part: number } | null>(null);
  const scrollToRow = useCallback(
    (r: number) => {
      const el = scrollRef.current;
      if (!el || r < 0) return;
      setPinned(false);
      const top = Math.max(0, layout.offset(r) - height / 2 + LOG_ROW_HEIGHT);
      el.scrollTop = top;
      setScrollTop(top);
    },
    [setPinned, layout, height],
  );
  const reveal = useCallback(
    (request: { line: number } | { part: number }) => {
      const changed =
        'line' in request
          ? fold.reveal(doc, request.line)
          : (() => {
              const part = doc.parts[request.part];
              if (!part || fold.partExpanded(part)) return false;
              fold.setPart(part, true);
              return true;
            })();
      pendingScroll.current = request;
      if (changed) bumpFold();
      else setMeasureVersion((v) => v + 1); // render once more so the layout effect scrolls
    },
    [doc, fold, bumpFold],
  );
  // Then, once the row is drawn, the page scrolls too if it is out of sight (as a browser does for an anchor).
  const showRow = useRef<number | null>(null);
  useLayoutEffect(() => {
    const request = pendingScroll.current;
    if (request) {
      pendingScroll.current = null;
      const r = 'line' in request ? rowList.rowOfLine(request.line) : rowList.rowOfPart(request.part);
      scrollToRow(r);
      showRow.current = r;
      return;
    }
    const r = showRow.current;
    if (r === null) return;
    showRow.current = null;
    rowsRef.current?.querySelector<HTMLElement>(`[data-row="${r}"]`)?.scrollIntoView({ block: 'nearest' });
  });

  const goToMatch = useCallback(
    (k: number) => {
      if (k < 0 || k >= search.count) return;
      setPicked({ list: search.matches, k });
      reveal({ line: search.matches.line[k] as number });
    },
    [search.count, search.matches, reveal],
  );
  const activeKey = searchKey(searchQuery, options);
  useEffect(() => {
    if (jumpFor === null || jumpFor !== activeKey || search.count === 0) return;
    setJumpFor(null);
    goToMatch(0);
  }, [jumpFor, activeKey, search.count, goToMatch]);
  const onQuery = (q: string) => {
    setQuery(q);
    setJumpFor(q === '' ? null : searchKey(q, options));
  };
  const onRegex = (v: boolean) => {
    setRegex(v);
    setJumpFor(query === '' ? null : searchKey(query, { regex: v, matchCase }));
  };
  const onMatchCase = (v: boolean) => {
    setMatchCase(v);
    setJumpFor(query === '' ? null : searchKey(query, { regex, matchCase: v }));
  };
  const onNext = () => goToMatch(search.count === 0 ? -1 : (current + 1) % search.count);
  const onPrevious = () => goToMatch(search.count === 0 ? -1 : (current - 1 + search.count) % search.count);
  const onFirstError = () => {
    const { query: q } = errorQuery(errorPatterns);
    setRegex(true);
    setMatchCase(true);
    setQuery(q);
    setSearchQuery(q);
    if (activeKey === searchKey(q, { regex: true, matchCase: true }) && search.count > 0) goToMatch(0);
    else setJumpFor(searchKey(q, { regex: true, matchCase: true }));
  };
  const onErrorPatterns = (list: string[]) => {
    setErrorPatterns(list);
    saveErrorPatterns(list);
  };

  // Highlighted lines (a permalink): part index and absolute line range.
  const [highlight, setHighlight] = useState<LogTarget | null>(null);
  const applied = useRef<LogTarget | null>(null);
  useEffect(() => {
    if (!target || applied.current === target) return;
    const part = doc.parts[target.part];
    if (!part) return;
    const index = target.line - 1 - part.lines.dropped;
    if (index >= part.lines.count) return; // not arrived yet: try again on the next lines
    applied.current = target;
    setHighlight(target);
    reveal({ line: doc.global(target.part, Math.max(0, index)) });
  }, [target, doc, reveal]);
  const appliedFocus = useRef<{ part: number } | null>(null);
  useEffect(() => {
    if (!focus || appliedFocus.current === focus || !doc.parts[focus.part]) return;
    appliedFocus.current = focus;
    reveal({ part: focus.part });
  }, [focus, doc, reveal]);

  const onNumberClick = useCallback(
    (e: MouseEvent<HTMLAnchorElement>, row: number) => {
      if (e.metaKey || e.ctrlKey || e.button !== 0) return; // a new tab or window: the link as it is
      e.preventDefault();
      const g = rowList.rows[row] as number;
      const { part, index } = doc.locate(g);
      const p = doc.parts[part];
      if (!p) return;
      const line = p.lines.dropped + index + 1;
      const next: LogTarget =
        e.shiftKey && highlight && highlight.part === part
          ? { part, line: Math.min(highlight.line, line), endLine: Math.max(highlight.endLine ?? highlight.line, line) }
          : { part, line, endLine: null };
      if (next.endLine === next.line) next.endLine = null;
      setHighlight(next);
      history.replaceState(null, '', `#${anchorOf(p)}-L${next.line}${next.endLine !== null ? `-L${next.endLine}` : ''}`);
    },
    [rowList, doc, highlight, anchorOf],
  );
  const onToggleRow = useCallback(
    (row: number) => {
      const v = rowList.rows[row] as number;
      if (v < 0) {
        const part = doc.parts[-v - 1];
        if (part) fold.setPart(part, !fold.partExpanded(part));
      } else {
        const { part, index } = doc.locate(v);
        const p = doc.parts[part];
        const s = doc.sectionAt(part, index);
        if (p && s) fold.setSection(p, s, !fold.sectionExpanded(p, s));
      }
      bumpFold();
    },
    [rowList, doc, fold, bumpFold],
  );

  // Wrapped rows have their own heights: measure what is drawn, keep the rows in view still.
  useLayoutEffect(() => {
    if (!wrap) return;
    const container = rowsRef.current;
    const el = scrollRef.current;
    if (!container || !el) return;
    let above = 0;
    let changed = false;
    for (const child of Array.from(container.children) as HTMLElement[]) {
      const r = Number(child.dataset.row);
      if (!Number.isInteger(r)) continue;
      const h = child.offsetHeight;
      if (h === 0 || h === layout.height(r)) continue;
      if (layout.offset(r) < el.scrollTop) above += h - layout.height(r);
      layout.setHeight(r, h);
      measured.set(rowSortKey(doc, rowList.rows[r] as number), h);
      changed = true;
    }
    if (!changed) return;
    if (above !== 0 && !(live && follow.pinned)) el.scrollTop += above;
    setMeasureVersion((v) => v + 1);
  });
  // Turning wrap on or off, or a new width, changes every wrapped height.
  useEffect(() => {
    measured.clear();
    layout.reset(rowList.length);
    setMeasureVersion((v) => v + 1);
  }, [wrap, measured, layout, rowList]);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !wrap || typeof ResizeObserver === 'undefined') return;
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      measured.clear();
      layout.reset(rowList.length);
      setMeasureVersion((v) => v + 1);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [wrap, measured, layout, rowList]);
  void measureVersion;

  // The window of rows to draw.
  const top = Math.min(scrollTop, Math.max(0, total - height));
  const first = Math.max(0, layout.rowAt(top) - OVERSCAN);
  const last = Math.min(rowList.length - 1, layout.rowAt(top + height) + OVERSCAN);
  const rangesOf = useRangesCache(search.matches);
  const totalLines = parts.reduce((n, p) => n + p.lines.dropped + p.lines.count, 0);
  const gutterChars = Math.max(3, String(Math.max(...parts.map((p) => p.lines.dropped + p.lines.count), 0)).length);
  const drawn: React.ReactNode[] = [];
  for (let r = first; r <= last; r++) {
    const v = rowList.rows[r] as number;
    const y = layout.offset(r);
    if (v < 0) {
      const p = -v - 1;
      const part = doc.parts[p] as LogPart;
      drawn.push(
        <PartHeaderRow
          key={`h${part.key}`}
          row={r}
          top={y}
          name={part.name}
          status={part.status}
          ms={part.ms}
          startedAt={part.startedAt}
          lines={part.lines.dropped + part.lines.count}
          expanded={fold.partExpanded(part)}
          rawHref={rawHref?.(part) ?? null}
          onToggle={onToggleRow}
        />,
      );
      continue;
    }
    const { part: p, index } = doc.locate(v);
    const part = doc.parts[p] as LogPart;
    const lines = part.lines;
    const number = lines.dropped + index + 1;
    const { first: firstMatch, ranges } = rangesOf(v);
    const currentOnLine = current >= firstMatch && ranges !== null && current < firstMatch + ranges.length ? current - firstMatch : -1;
    const highlighted = highlight !== null && highlight.part === p && number >= highlight.line && number <= (highlight.endLine ?? highlight.line);
    const common = {
      row: r,
      top: y,
      stderr: lines.stream(index) === 'stderr',
      number,
      href: `#${anchorOf(part)}-L${number}`,
      time: timestamps ? lines.time(index) : null,
      showTime: timestamps,
      ranges,
      current: currentOnLine,
      highlighted,
      depth: 0,
      onNumberClick,
    };
    const section = doc.sectionAt(p, index);
    if (section) {
      const end = section.end ?? lines.count;
      drawn.push(
        <SectionRow
          key={`l${part.key}:${number}`}
          {...common}
          depth={section.depth}
          section={section}
          expanded={fold.sectionExpanded(part, section)}
          size={Math.max(0, end - section.start - 1)}
          onToggle={onToggleRow}
        />,
      );
    } else drawn.push(<LogLineRow key={`l${part.key}:${number}`} {...common} text={lines.text(index)} />);
  }

  const dropped = parts.reduce((n, p) => n + p.lines.dropped, 0);
  return (
    <div
      className={wrap ? 'log-view log-view--wrap' : 'log-view'}
      data-testid="log-view"
      data-rows={rowList.length}
      data-lines={totalLines}
      style={{ '--log-gutter-width': `${gutterChars}ch` } as CSSProperties}
    >
      <LogToolbar
        query={query}
        onQuery={onQuery}
        regex={regex}
        onRegex={onRegex}
        matchCase={matchCase}
        onMatchCase={onMatchCase}
        count={search.count}
        capped={search.matches.capped}
        current={current}
        searching={!search.done}
        error={search.error}
        onNext={onNext}
        onPrevious={onPrevious}
        onFirstError={onFirstError}
        errorPatterns={errorPatterns}
        onErrorPatterns={onErrorPatterns}
        wrap={wrap}
        onWrap={setWrap}
        timestamps={timestamps}
        onTimestamps={setTimestamps}
        onExpandAll={() => {
          fold.setAll(doc, true);
          bumpFold();
        }}
        onCollapseAll={() => {
          fold.setAll(doc, false);
          bumpFold();
        }}
        live={live}
        following={follow.pinned}
        onFollow={follow.setPinned}
        dropped={dropped}
      />
      <div
        ref={scrollRef}
        className="log-view__scroller"
        style={{ height }}
        onScroll={(e) => {
          setScrollTop(e.currentTarget.scrollTop);
          follow.handlers.onScroll(e.currentTarget);
        }}
        onWheel={(e) => follow.handlers.onWheel(e.deltaY, e.currentTarget)}
        onKeyDown={(e) => {
          if (follow.handlers.onKeyDown(e.key, e.currentTarget)) e.preventDefault();
        }}
        onTouchStart={(e) => follow.handlers.onTouchStart(e.touches[0]?.clientY ?? 0)}
        onTouchMove={(e) => follow.handlers.onTouchMove(e.touches[0]?.clientY ?? 0, e.currentTarget)}
        onPointerDown={(e) => follow.handlers.onPointerDown(e.clientX, e.currentTarget)}
        tabIndex={0}
        role="region"
        aria-label="Command output"
        data-testid="log-scroller"
      >
        {parts.length === 0 ? (
          <div className="log-view__empty">{emptyText}</div>
        ) : (
          <div ref={rowsRef} className="log-view__rows" style={{ height: total }}>
            {drawn}
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * Match ranges per global line, cached per match list: a line's matches never
 * change once it was searched, so rows get the same array (and stay memoised).
 */
function useRangesCache(matches: MatchList): (g: number) => { first: number; ranges: ReadonlyArray<readonly [number, number]> | null } {
  const cache = useRef<{ matches: MatchList; count: number; byLine: Map<number, { first: number; ranges: Array<[number, number]> | null }> } | null>(null);
  if (!cache.current || cache.current.matches !== matches) cache.current = { matches, count: -1, byLine: new Map() };
  const c = cache.current;
  // Entries for lines without matches may be stale once more lines were searched: drop those.
  if (c.count !== matches.count) {
    for (const [g, v] of c.byLine) if (v.ranges === null) c.byLine.delete(g);
    c.count = matches.count;
  }
  return (g) => {
    let v = c.byLine.get(g);
    if (!v) {
      const { first, ranges } = matches.onLine(g);
      v = { first, ranges: ranges.length > 0 ? ranges : null };
      if (c.byLine.size > 5000) c.byLine.clear();
      c.byLine.set(g, v);
    }
    return v;
  };
}
