/**
 * Strategies choose which commits a bisect tests and decide when it ends. They
 * are pure objects: no git, no clock, no I/O. The engine turns the bisect range
 * into a `RangeGraph`, feeds every run's outcome to `observe`, asks `next(k)`
 * for work and reads `result()`.
 */

/** One run of the recipe on a commit: it passed (old term), failed (new term) or could not test. */
export type Outcome = 'pass' | 'fail' | 'skip';

/**
 * The bisect range `bad --not good...` as a DAG. Index 0..size-1 in git's
 * `rev-list --reverse --topo-order` order (every parent before its children);
 * the bad endpoint is `size - 1`. `parents[i]` lists the parents of commit i
 * that are inside the range (parents outside it are on the good side).
 */
export interface RangeGraph {
  readonly size: number;
  readonly parents: ReadonlyArray<ReadonlyArray<number>>;
}

/** Commit index of a run outside the range: a good endpoint (contains no candidate culprit). */
export const OUTSIDE = -1;

export interface Candidate {
  index: number;
  probability: number;
}

export type StrategyResult =
  /** Still testing. */
  | { kind: 'testing' }
  /** The first bad commit, with the probability it is (1 in exact mode). */
  | { kind: 'culprit'; index: number; probability: number }
  /** Exact mode: only skipped commits are left; the first bad one is among these. */
  | { kind: 'candidates'; indices: number[] }
  /** Flaky mode: the run budget is spent and no commit reaches the target confidence. */
  | { kind: 'undecided'; top: Candidate[] }
  /** Flaky mode: the range does not fail beyond the flake rate of good commits. */
  | { kind: 'noCulprit'; probability: number };

/** What the next choice may know about the slots. */
export interface ChoiceContext {
  /** Commits other slots are testing now (choose others, and count their coming runs as pending). */
  busy?: readonly number[];
  /** Commits already built in some slot: another run there costs only `costs.run`. */
  built?: readonly number[];
  /**
   * The engine can run a good endpoint when asked: `next` may then return
   * `OUTSIDE` (flaky mode does, to learn how often good commits fail and to
   * tell "the first commit of the range is bad" from "nothing is"). Absent or
   * false: it never returns `OUTSIDE`.
   */
  outside?: boolean;
}

/** A posterior summary for the page: where the culprit probably is and what is known of the rates. */
export interface StrategySummary {
  best: Candidate | null;
  /** Probability that no commit of the range is bad (flaky mode; 0 in exact mode). */
  none: number;
  /** Posterior mean failure rate of bad commits and of good ones (exact mode: 1 and 0). */
  badFails: number;
  goodFails: number;
  /** Runs recorded so far (skips included). */
  runs: number;
  /** Estimate of runs still needed to reach the target confidence (exact: steps left). */
  expectedRunsLeft: number;
}

export interface Strategy {
  readonly kind: 'git' | 'bayes';
  /** Records one run's outcome at `index` (`OUTSIDE` for a good endpoint). */
  observe(index: number, outcome: Outcome): void;
  /** Forgets one earlier run with that outcome at that commit (undo of a verdict). */
  unobserve(index: number, outcome: Outcome): void;
  /**
   * Up to `k` commits to test next, best first, none of `ctx.busy`. Empty
   * when the bisect has ended (see `result()`) or nothing useful is left to run
   * while the busy slots finish. A commit may be returned again (a rerun).
   */
  next(k: number, ctx?: ChoiceContext): number[];
  /**
   * True when a run now going on at `index` can no longer change the answer
   * (exact mode: it is outside the suspects), so it may be cancelled.
   */
  isMoot(index: number): boolean;
  result(): StrategyResult;
  /** Probability that each commit is the first bad one (sums to 1 - summary().none). */
  posterior(): Float64Array;
  summary(): StrategySummary;
}

export interface BayesOptions {
  /** Stop when one commit is the first bad one with at least this probability (default 0.95). */
  confidence?: number;
  /** Stop after this many runs in all (skips included), answer or not. */
  maxRuns?: number;
  /** What the user knows: a bad commit fails about this often (a prior centred here). */
  badFails?: number;
  /** What the user knows: a good commit fails about this often (0 = never). */
  goodFails?: number;
  /** Relative cost of building/deploying a commit not built yet and of one more run. Default build 10, run 1. */
  costs?: { build: number; run: number };
}
