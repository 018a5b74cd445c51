'use client';

import { useEffect, useState } from 'react';
import { parseLineAnchor, type LineAnchor } from './permalink';

/**
 * The line permalink in the page's URL fragment (`#s3-build-L1204`), read
 * after mounting and again on every `hashchange` (a pasted link, back/forward).
 * A new object each time, so consumers re-apply it; null without one.
 */
export function useLineAnchor(): LineAnchor | null {
  const [anchor, setAnchor] = useState<LineAnchor | null>(null);
  useEffect(() => {
    const read = () => setAnchor(parseLineAnchor(window.location.hash));
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  return anchor;
}
