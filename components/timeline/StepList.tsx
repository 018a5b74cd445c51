'use client';

import { useEffect, useRef } from 'react';
import { formatDuration, shortSha } from '@/lib/format';
import { subjectText, verdictKey, verdictTerm } from './format';
import type { BisectTerms, TimelineStep } from './types';

export type StepListItem = TimelineStep & {
  /** How long the step took; null while it runs (or if unknown). */
  ms: number | null;
  /** Short qualifiers shown under the subject: `check`, `manual`, `interrupted`, `superseded`. */
  notes?: readonly string[];
  /** Faded: a step that no longer counts (superseded, interrupted). */
  muted?: boolean;
};

export interface StepListProps {
  /** In step order. */
  steps: readonly StepListItem[];
  terms: BisectTerms;
  selectedStep?: number | null;
  onSelectStep?: (step: number) => void;
}

function durationText(item: StepListItem): string {
  if (item.ms !== null) return formatDuration(item.ms);
  return item.verdict === null ? 'running…' : '—';
}

/**
 * Table of bisect steps: number, short sha, subject (up to three lines, the
 * notes under it), verdict badge (in the bisect's terms), duration. The sha,
 * verdict and time columns are sized to their content, so at 1280 px the
 * subject gets the rest (~30 characters a line) and nothing else is cut; the
 * subject is the same text as the timeline's tooltip (`subjectText`). Clicking
 * a row calls `onSelectStep`; for keyboard and screen-reader users the step
 * number is a button doing the same. All text is rendered as React text.
 * Scrolls horizontally when squeezed narrower than its columns.
 */
/** The list's columns: class suffix (`step-list__…`, also used by the cells) and header. */
const COLUMNS = [
  ['num', '#'],
  ['sha', 'Commit'],
  ['subject', 'Subject'],
  ['verdict', 'Verdict'],
  ['time', 'Time'],
] as const;

export function StepList({ steps, terms, selectedStep = null, onSelectStep }: StepListProps) {
  const root = useRef<HTMLDivElement>(null);
  // The selected row stays in sight (j/k, a timeline click): scroll the list's own container only, not the page.
  useEffect(() => {
    const row = root.current?.querySelector<HTMLElement>('tr[aria-current="true"]');
    if (row) scrollIntoScrollParent(row);
  }, [selectedStep]);
  return (
    <div className="step-list-scroll" ref={root}>
      <table className="step-list" aria-label="Bisect steps">
        <thead>
          <tr>
            {COLUMNS.map(([name, label]) => (
              <th key={name} scope="col" className={`step-list__${name}`}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {steps.length === 0 && (
            <tr className="step-list__empty">
              <td colSpan={5}>No steps yet.</td>
            </tr>
          )}
          {steps.map((item) => {
            const key = verdictKey(item.verdict);
            const selected = item.step === selectedStep;
            const classes = ['step-list__row', `step-list__row--${key}`];
            if (selected) classes.push('is-selected');
            if (onSelectStep) classes.push('is-interactive');
            if (item.muted) classes.push('is-muted');
            return (
              <tr
                key={item.step}
                className={classes.join(' ')}
                data-testid="step-row"
                data-step={item.step}
                data-verdict={key}
                aria-current={selected ? 'true' : undefined}
                onClick={onSelectStep ? () => onSelectStep(item.step) : undefined}
              >
                <td className="step-list__num">
                  {onSelectStep ? (
                    <button
                      type="button"
                      className="step-list__select"
                      aria-pressed={selected}
                      aria-label={`Select step ${item.step}`}
                      onClick={(event) => {
                        // Select once: keep the row's click handler from running too.
                        event.stopPropagation();
                        onSelectStep(item.step);
                      }}
                    >
                      {item.step}
                    </button>
                  ) : (
                    item.step
                  )}
                </td>
                <td className="step-list__sha">
                  <code title={item.sha}>{shortSha(item.sha)}</code>
                </td>
                <td className="step-list__subject" title={subjectText(item.subject)}>
                  <span className="step-list__subject-text" data-testid="step-subject">
                    {subjectText(item.subject)}
                  </span>
                  {item.notes && item.notes.length > 0 && (
                    <span className="step-list__notes">
                      {item.notes.map((n) => (
                        <span key={n} className={`step-note step-note--${n.split(' ')[0]}`} data-testid="step-note">
                          {n}
                        </span>
                      ))}
                    </span>
                  )}
                </td>
                <td className="step-list__verdict">
                  <span className={`verdict-badge verdict-badge--${key}`}>{verdictTerm(item.verdict, terms)}</span>
                </td>
                <td className="step-list__time">{durationText(item)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Scrolls the nearest vertically scrolling ancestor of `el` so that `el` is inside it. */
function scrollIntoScrollParent(el: HTMLElement): void {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const overflow = getComputedStyle(p).overflowY;
    if ((overflow === 'auto' || overflow === 'scroll') && p.scrollHeight > p.clientHeight) {
      const box = p.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      if (r.top < box.top) p.scrollTop -= box.top - r.top;
      else if (r.bottom > box.bottom) p.scrollTop += r.bottom - box.bottom;
      return;
    }
  }
}
