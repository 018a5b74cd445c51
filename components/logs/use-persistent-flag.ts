'use client';

import { useCallback, useEffect, useState } from 'react';

/**
 * A boolean preference kept in localStorage under `key` (wrap, timestamps).
 * Starts at `initial` (also during server rendering) and takes the stored
 * value after mounting, so the first client render matches the server's.
 */
export function usePersistentFlag(key: string, initial: boolean): [boolean, (v: boolean) => void] {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    try {
      const stored = localStorage.getItem(key);
      if (stored === '1' || stored === '0') setValue(stored === '1');
    } catch {
      /* storage unavailable: keep the default */
    }
  }, [key]);
  const set = useCallback(
    (v: boolean) => {
      setValue(v);
      try {
        localStorage.setItem(key, v ? '1' : '0');
      } catch {
        /* storage unavailable: the choice lasts for this page */
      }
    },
    [key],
  );
  return [value, set];
}
