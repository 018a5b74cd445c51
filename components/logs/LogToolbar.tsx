'use client';

import { useState, type KeyboardEvent } from 'react';
import { DEFAULT_ERROR_PATTERNS, parsePatternList } from './error-patterns';

export interface LogToolbarProps {
  query: string;
  onQuery(q: string): void;
  regex: boolean;
  onRegex(v: boolean): void;
  matchCase: boolean;
  onMatchCase(v: boolean): void;
  /** Matches so far, the current one (0-based, -1: none), whether the search is still going, and a query error. */
  count: number;
  capped: boolean;
  current: number;
  searching: boolean;
  error: string | null;
  onNext(): void;
  onPrevious(): void;
  onFirstError(): void;
  errorPatterns: readonly string[];
  onErrorPatterns(p: string[]): void;
  wrap: boolean;
  onWrap(v: boolean): void;
  timestamps: boolean;
  onTimestamps(v: boolean): void;
  onExpandAll(): void;
  onCollapseAll(): void;
  /** Live: the follow button is shown; `following` is its state. */
  live: boolean;
  following: boolean;
  onFollow(v: boolean): void;
  dropped: number;
}

/** The log viewer's controls: search (n of m, next/previous), jump to first error, fold all, wrap, timestamps, follow. */
export function LogToolbar(p: LogToolbarProps) {
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (e.shiftKey) p.onPrevious();
      else p.onNext();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (p.query) p.onQuery('');
      else e.currentTarget.blur();
    }
  };
  return (
    <div className="log-view__toolbar" data-testid="log-toolbar">
      <div className="log-search" role="search">
        <input
          id="log-search"
          className="log-search__input"
          type="search"
          placeholder="Search the log (/)"
          aria-label="Search the log"
          value={p.query}
          onChange={(e) => p.onQuery(e.target.value)}
          onKeyDown={onKeyDown}
          data-testid="log-search"
          spellCheck={false}
          autoComplete="off"
        />
        <span className="log-search__count" data-testid="log-search-count" aria-live="polite">
          {p.error ? <span className="log-search__error" title={p.error}>invalid expression</span> : p.query === '' ? '' : matchText(p)}
        </span>
        <button type="button" className="log-btn" onClick={p.onPrevious} disabled={p.count === 0} title="Previous match (Shift+Enter)" aria-label="Previous match">
          ↑
        </button>
        <button type="button" className="log-btn" onClick={p.onNext} disabled={p.count === 0} title="Next match (Enter)" aria-label="Next match">
          ↓
        </button>
        <button type="button" className="log-btn" aria-pressed={p.matchCase} onClick={() => p.onMatchCase(!p.matchCase)} title="Match case" aria-label="Match case">
          Aa
        </button>
        <button type="button" className="log-btn" aria-pressed={p.regex} onClick={() => p.onRegex(!p.regex)} title="Regular expression" aria-label="Regular expression">
          .*
        </button>
      </div>
      <div className="log-toolbar__group">
        <button type="button" className="log-btn log-btn--error" onClick={p.onFirstError} data-testid="log-first-error" title={`Search for ${p.errorPatterns.join(', ')}`}>
          Jump to first error
        </button>
        <ErrorPatternsButton patterns={p.errorPatterns} onChange={p.onErrorPatterns} />
      </div>
      <div className="log-toolbar__group">
        <button type="button" className="log-btn" onClick={p.onExpandAll} title="Unfold every phase and section">
          Expand all
        </button>
        <button type="button" className="log-btn" onClick={p.onCollapseAll} title="Fold every phase and section">
          Collapse all
        </button>
        <button type="button" className="log-btn" aria-pressed={p.wrap} onClick={() => p.onWrap(!p.wrap)} data-testid="log-wrap">
          Wrap
        </button>
        <button type="button" className="log-btn" aria-pressed={p.timestamps} onClick={() => p.onTimestamps(!p.timestamps)} data-testid="log-timestamps">
          Timestamps
        </button>
      </div>
      {p.dropped > 0 && (
        <span className="log-view__dropped">{`${p.dropped.toLocaleString('en-US')} earlier ${p.dropped === 1 ? 'line' : 'lines'} not kept here (download the raw log)`}</span>
      )}
      {p.live && (
        <button
          type="button"
          className="log-view__follow"
          aria-pressed={p.following}
          onClick={() => p.onFollow(!p.following)}
          data-testid="log-follow"
          title={p.following ? 'Stop following new output' : 'Jump to the newest output and keep following it'}
        >
          {p.following ? 'Following' : 'Follow'}
        </button>
      )}
    </div>
  );
}

function matchText(p: LogToolbarProps): string {
  const more = p.searching || p.capped ? '+' : '';
  if (p.count === 0) return p.searching ? 'searching…' : 'no matches';
  const m = `${p.count.toLocaleString('en-US')}${more}`;
  return p.current < 0 ? `${m} matches` : `${(p.current + 1).toLocaleString('en-US')} of ${m}`;
}

/** Edits the error patterns (one regular expression per line). */
function ErrorPatternsButton({ patterns, onChange }: { patterns: readonly string[]; onChange(p: string[]): void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  return (
    <span className="log-patterns">
      <button
        type="button"
        className="log-btn"
        aria-expanded={open}
        onClick={() => {
          setDraft(patterns.join('\n'));
          setOpen(!open);
        }}
        title="Patterns that count as errors"
        data-testid="log-error-patterns"
      >
        Patterns…
      </button>
      {open && (
        <div className="log-patterns__popover" role="dialog" aria-label="Error patterns">
          <label>
            Error patterns, one regular expression per line (case-sensitive):
            <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={9} spellCheck={false} data-testid="log-error-patterns-text" />
          </label>
          <div className="log-patterns__actions">
            <button type="button" className="log-btn" onClick={() => setDraft(DEFAULT_ERROR_PATTERNS.join('\n'))}>
              Defaults
            </button>
            <button
              type="button"
              className="log-btn log-btn--primary"
              onClick={() => {
                const list = parsePatternList(draft);
                onChange(list.length > 0 ? list : [...DEFAULT_ERROR_PATTERNS]);
                setOpen(false);
              }}
            >
              Save
            </button>
          </div>
        </div>
      )}
    </span>
  );
}
