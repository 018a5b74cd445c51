'use client';

import {
  memo,
  useCallback,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type PointerEvent,
  type TouchEvent,
  type UIEvent,
  type WheelEvent,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { AnsiText } from './ansi-text';
import { useThrottled } from './use-throttled';

export interface LogLine {
  text: string;
  stream: 'stdout' | 'stderr';
}

export interface LogViewProps {
  /**
   * The lines to show, oldest first. Treat as immutable: append by passing a
   * new array. Batch updates (e.g. once per animation frame) when output is fast.
   */
  lines: readonly LogLine[];
  /**
   * Live mode: keep the newest line in view while the user has not scrolled up.
   * Scrolling up pauses following; the "Follow" button or scrolling back to the
   * bottom resumes it.
   */
  follow?: boolean;
  /** Height of the scrolling area in px. Default 480. */
  height?: number;
  /** Shown when there are no lines at all. */
  emptyText?: string;
  /**
   * How many lines the parent dropped from the front of the same stream to cap
   * memory. Line numbers continue from it, and when it grows the view keeps the
   * lines the user is reading in place. To show a different log, remount (key).
   */
  droppedLines?: number;
}

/** Fixed row height in px; rows never wrap (long lines scroll horizontally). */
export const LOG_ROW_HEIGHT = 18;
/** Visible characters rendered per line; the rest is summarised. */
export const LOG_MAX_LINE_CHARS = 10_000;
/**
 * New output is applied at most this often: each change in line count makes
 * the virtualizer re-lay out every row (a few ms at 200,000 lines).
 */
export const LOG_UPDATE_INTERVAL_MS = 50;
/** Within this many px of the bottom counts as "at the bottom". */
const AT_BOTTOM_SLACK = LOG_ROW_HEIGHT / 2;

interface LogRowProps {
  line: LogLine;
  lineNumber: number;
  top: number;
}

const LogRow = memo(function LogRow({ line, lineNumber, top }: LogRowProps) {
  return (
    <div
      data-testid="log-line"
      data-stream={line.stream}
      className={line.stream === 'stderr' ? 'log-line log-line--stderr' : 'log-line'}
      style={{ transform: `translateY(${top}px)`, height: LOG_ROW_HEIGHT }}
    >
      <span className="log-line__number">{lineNumber}</span>
      <span className="log-line__text">
        <AnsiText text={line.text} maxChars={LOG_MAX_LINE_CHARS} />
      </span>
    </div>
  );
});

/**
 * Virtualised viewer for command output: only the rows in view (plus a small
 * overscan) are in the DOM, so 200,000 lines stay smooth. Each line is parsed
 * for ANSI styles and rendered as React text; stderr lines are tinted.
 */
export function LogView({
  lines: latestLines,
  follow = false,
  height = 480,
  emptyText = 'No output yet.',
  droppedLines: latestDropped = 0,
}: LogViewProps) {
  const latest = useMemo(() => ({ lines: latestLines, droppedLines: latestDropped }), [latestLines, latestDropped]);
  const { lines, droppedLines } = useThrottled(latest, LOG_UPDATE_INTERVAL_MS);

  const scrollRef = useRef<HTMLDivElement>(null);
  // Whether the view sticks to the bottom (only acted on while `follow` is on).
  // pinnedRef mirrors it for event handlers and effects, updated with it.
  const [pinned, setPinnedState] = useState(true);
  const pinnedRef = useRef(true);
  const setPinned = useCallback((value: boolean) => {
    if (pinnedRef.current === value) return;
    pinnedRef.current = value;
    setPinnedState(value);
  }, []);

  const count = lines.length;
  // Absolute line number: stable while the parent drops lines from the front.
  // Memoised: a new function would make the virtualizer re-lay out every row.
  const getItemKey = useCallback((index: number) => droppedLines + index, [droppedLines]);
  const virtualizer = useVirtualizer<HTMLDivElement, HTMLDivElement>({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => LOG_ROW_HEIGHT,
    overscan: 20,
    // Lets the server render the first screen before the element is measured.
    initialRect: { width: 0, height },
    initialOffset: () => (follow ? Math.max(0, count * LOG_ROW_HEIGHT - height) : 0),
    getItemKey,
  });

  const scrollToBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // Scrolling re-evaluates pinning: away from the bottom pauses following,
  // back at the bottom resumes it. A scroll event arrives up to a frame after
  // the scroll, when more output may already have grown the content; so a
  // downward scroll that reached the bottom of any content height rendered
  // since the previous scroll event also counts as reaching the bottom.
  const lastScrollTop = useRef(0);
  const heightsSinceScroll = useRef<number[]>([]);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const heights = heightsSinceScroll.current;
    if (el && heights[heights.length - 1] !== el.scrollHeight) {
      heights.push(el.scrollHeight);
      if (heights.length > 16) heights.shift();
    }
  });
  const onScroll = useCallback(
    (event: UIEvent<HTMLDivElement>) => {
      const el = event.currentTarget;
      const bottom = el.scrollTop + el.clientHeight;
      const movedDown = el.scrollTop > lastScrollTop.current;
      const recentHeights = heightsSinceScroll.current;
      lastScrollTop.current = el.scrollTop;
      heightsSinceScroll.current = [el.scrollHeight];
      const atBottom =
        el.scrollHeight - bottom <= AT_BOTTOM_SLACK ||
        (movedDown && recentHeights.some((h) => Math.abs(h - bottom) <= AT_BOTTOM_SLACK));
      setPinned(atBottom);
    },
    [setPinned],
  );

  // Scroll events arrive a frame late; when lines stream in every frame the
  // follow jump would undo the user's scroll before it is seen. So an intent to
  // scroll up (wheel, keys, touch, grabbing the scrollbar) pauses at once.
  const pauseIfScrollable = useCallback(
    (el: HTMLDivElement) => {
      if (el.scrollHeight > el.clientHeight) setPinned(false);
    },
    [setPinned],
  );
  const onWheel = (event: WheelEvent<HTMLDivElement>) => {
    if (event.deltaY < 0) pauseIfScrollable(event.currentTarget);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'ArrowUp' || event.key === 'PageUp' || event.key === 'Home') {
      pauseIfScrollable(event.currentTarget);
    } else if (event.key === 'End' && follow) {
      // A native (smooth) End scroll can't catch up with fast output: jump and pin.
      event.preventDefault();
      setPinned(true);
      scrollToBottom();
    }
  };
  const touchY = useRef<number | null>(null);
  const onTouchStart = (event: TouchEvent<HTMLDivElement>) => {
    touchY.current = event.touches[0]?.clientY ?? null;
  };
  const onTouchMove = (event: TouchEvent<HTMLDivElement>) => {
    const y = event.touches[0]?.clientY;
    // Finger moving down drags the content down, i.e. scrolls up.
    if (y !== undefined && touchY.current !== null && y > touchY.current) pauseIfScrollable(event.currentTarget);
    touchY.current = y ?? null;
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    const el = event.currentTarget;
    const onScrollbar = event.clientX - el.getBoundingClientRect().left > el.clientWidth;
    if (onScrollbar) pauseIfScrollable(el);
  };

  // Lines dropped from the front: shift the scroll position so the rows being
  // read stay put (when following, the bottom stays in view anyway).
  const previousDropped = useRef(droppedLines);
  useLayoutEffect(() => {
    const dropped = droppedLines - previousDropped.current;
    previousDropped.current = droppedLines;
    const el = scrollRef.current;
    if (el && dropped > 0 && !(follow && pinnedRef.current)) {
      el.scrollTop = Math.max(0, el.scrollTop - dropped * LOG_ROW_HEIGHT);
    }
  }, [droppedLines, follow]);

  // Follow: after each render with new lines, jump to the bottom.
  useLayoutEffect(() => {
    if (follow && pinned) scrollToBottom();
  }, [follow, pinned, count, scrollToBottom]);

  const toggleFollow = () => {
    if (pinnedRef.current) {
      setPinned(false);
    } else {
      setPinned(true);
      scrollToBottom();
    }
  };

  const totalLines = droppedLines + count;
  const gutterChars = Math.max(3, String(totalLines).length);

  return (
    <div
      className="log-view"
      data-testid="log-view"
      style={{ '--log-gutter-width': `${gutterChars}ch` } as CSSProperties}
    >
      {(droppedLines > 0 || follow) && (
        <div className="log-view__toolbar">
          {droppedLines > 0 && (
            <span className="log-view__dropped">
              {`${droppedLines.toLocaleString('en-US')} earlier ${droppedLines === 1 ? 'line' : 'lines'} not shown`}
            </span>
          )}
          {follow && (
            <button
              type="button"
              className="log-view__follow"
              aria-pressed={pinned}
              onClick={toggleFollow}
              title={pinned ? 'Stop following new output' : 'Jump to the newest output and keep following it'}
            >
              {pinned ? 'Following' : 'Follow'}
            </button>
          )}
        </div>
      )}
      <div
        ref={scrollRef}
        className="log-view__scroller"
        style={{ height }}
        onScroll={onScroll}
        onWheel={onWheel}
        onKeyDown={onKeyDown}
        onTouchStart={onTouchStart}
        onTouchMove={onTouchMove}
        onPointerDown={onPointerDown}
        tabIndex={0}
        role="region"
        aria-label="Command output"
      >
        {count === 0 ? (
          <div className="log-view__empty">{emptyText}</div>
        ) : (
          <div className="log-view__rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const line = lines[item.index];
              return line === undefined ? null : (
                <LogRow key={item.key} line={line} lineNumber={droppedLines + item.index + 1} top={item.start} />
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
