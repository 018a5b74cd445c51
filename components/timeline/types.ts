/** Shared types of the bisect timeline components. */

/** Verdict of a step; null while the commit is still being tested. */
export type StepVerdict = 'good' | 'bad' | 'skip' | null;

/** Half-open runs [start, end) of positions in the range. */
export type PositionRuns = Array<[number, number]>;

export interface TimelineStep {
  step: number;
  sha: string;
  subject: string;
  /** Position of the tested commit in the range, 0 = oldest. */
  position: number;
  /** null = being tested. */
  verdict: StepVerdict;
  /** Half-open position runs still suspected after this step; null while testing or unknown. */
  suspect: PositionRuns | null;
}

/** Display names for git's old/new terms (good/bad by default, e.g. broken/fixed). */
export type { BisectTerms } from '@/server/engine/bisect/terms';
