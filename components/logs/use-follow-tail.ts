'use client';

import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** Within this many px of the bottom counts as "at the bottom". */
const AT_BOTTOM_SLACK = 9;

export interface FollowTail {
  /** Whether the view sticks to the newest line (only acted on while following is enabled). */
  pinned: boolean;
  /** Stop (false) or resume (true, jumping to the bottom) following. */
  setPinned(value: boolean): void;
  /** Handlers for the scrolling element. */
  handlers: {
    onScroll(el: HTMLDivElement): void;
    onWheel(deltaY: number, el: HTMLDivElement): void;
    onKeyDown(key: string, el: HTMLDivElement): boolean;
    onTouchMove(y: number, el: HTMLDivElement): void;
    onTouchStart(y: number): void;
    onPointerDown(clientX: number, el: HTMLDivElement): void;
  };
}

/**
 * Follow-tail for a scrolling log: while `enabled` and pinned, every change of
 * `contentKey` (new lines) scrolls to the bottom. Any intent to scroll up
 * (wheel, keys, touch, grabbing the scrollbar) unpins at once, because scroll
 * events arrive a frame late and the next jump would undo the user's scroll;
 * scrolling back to the bottom pins again. A scroll event reporting a
 * position at the bottom of any content height rendered since the previous
 * event also counts as the bottom (more output may have grown it meanwhile).
 */
export function useFollowTail(scrollRef: RefObject<HTMLDivElement | null>, enabled: boolean, contentKey: unknown): FollowTail {
  const [pinned, setPinnedState] = useState(true);
  const pinnedRef = useRef(true);
  const setPinnedRaw = useCallback((value: boolean) => {
    if (pinnedRef.current === value) return;
    pinnedRef.current = value;
    setPinnedState(value);
  }, []);

  const toBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [scrollRef]);

  const setPinned = useCallback(
    (value: boolean) => {
      setPinnedRaw(value);
      if (value) toBottom();
    },
    [setPinnedRaw, toBottom],
  );

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

  useLayoutEffect(() => {
    if (enabled && pinned) toBottom();
  }, [enabled, pinned, contentKey, toBottom]);

  const pauseIfScrollable = useCallback(
    (el: HTMLDivElement) => {
      if (el.scrollHeight > el.clientHeight) setPinnedRaw(false);
    },
    [setPinnedRaw],
  );
  const touchY = useRef<number | null>(null);

  const handlers: FollowTail['handlers'] = {
    onScroll(el) {
      const bottom = el.scrollTop + el.clientHeight;
      const movedDown = el.scrollTop > lastScrollTop.current;
      const recent = heightsSinceScroll.current;
      lastScrollTop.current = el.scrollTop;
      heightsSinceScroll.current = [el.scrollHeight];
      const atBottom =
        el.scrollHeight - bottom <= AT_BOTTOM_SLACK || (movedDown && recent.some((h) => Math.abs(h - bottom) <= AT_BOTTOM_SLACK));
      setPinnedRaw(atBottom);
    },
    onWheel(deltaY, el) {
      if (deltaY < 0) pauseIfScrollable(el);
    },
    onKeyDown(key, el) {
      if (key === 'ArrowUp' || key === 'PageUp' || key === 'Home') pauseIfScrollable(el);
      else if (key === 'End' && enabled) {
        // A native (smooth) End scroll cannot catch up with fast output: jump and pin.
        setPinned(true);
        return true;
      }
      return false;
    },
    onTouchStart(y) {
      touchY.current = y;
    },
    onTouchMove(y, el) {
      // A finger moving down drags the content down: scrolls up.
      if (touchY.current !== null && y > touchY.current) pauseIfScrollable(el);
      touchY.current = y;
    },
    onPointerDown(clientX, el) {
      if (clientX - el.getBoundingClientRect().left > el.clientWidth) pauseIfScrollable(el);
    },
  };

  return { pinned, setPinned, handlers };
}
