'use client';

import { useLayoutEffect, useState, type RefObject } from 'react';

/**
 * Width in whole CSS px of the referenced element's content box, kept current
 * with a ResizeObserver. Returns `fallback` until measured (and on the server),
 * and ignores zero widths (a hidden element keeps its last width).
 */
export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = (w: number) => {
      const rounded = Math.floor(w);
      if (rounded > 0) setWidth(rounded);
    };
    update(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[0];
      if (entry) update(entry.contentRect.width);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
