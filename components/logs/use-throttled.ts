'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * Returns `value`, but lets a new value through at most once per `intervalMs`
 * (the first value immediately; the latest value always arrives within
 * `intervalMs`). Compare by identity: pass a memoised object.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const lastUpdate = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const apply = () => {
      lastUpdate.current = performance.now();
      setShown(() => value);
    };
    const wait = lastUpdate.current + intervalMs - performance.now();
    if (wait <= 0) {
      apply();
      return;
    }
    const timer = setTimeout(apply, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}
