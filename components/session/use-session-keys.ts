'use client';

import { useEffect, useRef } from 'react';

export interface SessionKeys {
  /** Step numbers in list order. */
  steps: readonly number[];
  /** The step shown now. */
  current: number | null;
  select(step: number): void;
  /** The step that tested the culprit, if one did. */
  culpritStep: number | null;
}

/** Keys that belong to the element (typing, a focused control) rather than to the page. */
function ownKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * Keyboard on a session page, as in code-review tools: `j` / `k` the next /
 * previous step, `/` the log search, `g` the culprit (its step when one tested
 * it, else the result panel). Ignored while typing and with Ctrl, Alt or Meta.
 */
export function useSessionKeys(keys: SessionKeys): void {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || ownKeys(e.target)) return;
      const k = ref.current;
      if (e.key === 'j' || e.key === 'k') {
        if (k.steps.length === 0) return;
        const at = k.current === null ? -1 : k.steps.indexOf(k.current);
        const next = e.key === 'j' ? Math.min(k.steps.length - 1, at + 1) : Math.max(0, at < 0 ? k.steps.length - 1 : at - 1);
        const step = k.steps[next];
        if (step === undefined) return;
        e.preventDefault();
        k.select(step);
      } else if (e.key === '/') {
        const search = document.getElementById('log-search');
        if (!search) return;
        e.preventDefault();
        search.scrollIntoView({ block: 'nearest' });
        search.focus();
      } else if (e.key === 'g') {
        e.preventDefault();
        if (k.culpritStep !== null) {
          k.select(k.culpritStep);
          requestAnimationFrame(() => document.querySelector('[data-testid="step-detail"]')?.scrollIntoView({ block: 'start' }));
        } else document.querySelector('[data-testid="culprit-subject"], .result')?.scrollIntoView({ block: 'center' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
