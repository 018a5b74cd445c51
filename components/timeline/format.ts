import { termFor } from '@/server/engine/bisect/terms';
import type { BisectTerms, StepVerdict } from './types';

/**
 * A commit subject as every view shows it (step list, timeline tooltip and
 * marker label): whitespace runs collapsed, trimmed, and a placeholder for
 * none, so the views never disagree.
 */
export function subjectText(subject: string | null | undefined): string {
  const s = (subject ?? '').replace(/\s+/g, ' ').trim();
  return s === '' ? '(no subject)' : s;
}

/** How a verdict is named to the user: the bisect's own terms for good/bad, `testing` while it runs. */
export function verdictTerm(verdict: StepVerdict, terms: BisectTerms): string {
  return verdict === null ? 'testing' : termFor(verdict, terms);
}

/** CSS-class-friendly name of a verdict (`testing` for null). */
export function verdictKey(verdict: StepVerdict): 'good' | 'bad' | 'skip' | 'testing' {
  return verdict ?? 'testing';
}
