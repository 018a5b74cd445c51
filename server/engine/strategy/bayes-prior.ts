/**
 * Priors of the flaky-reproducer model over its two failure rates: q, of runs
 * at commits containing the culprit, and f, of every other run.
 *
 * Unstated rates get weak priors that lean to q > f, which is all the model
 * knows about which side is bad. q is an even mixture of Beta(4, 1) ("a bad
 * commit fails most runs") and Beta(1, 1) (anything, down to a reproducer
 * that rarely fires). f is exactly 0 with probability 0.3 ("a good commit
 * never fails", common for hangs), else Beta(1, 4) (mean 0.2): the point mass
 * lets the model learn quickly that fails are proof once the good side has
 * only passed. Chosen on the bench/flaky.ts cases, calibration first: a q
 * prior leaning harder to high rates saves runs when q is high and turns
 * overconfident when it is 0.3-0.5; no point mass saves runs at f = 0.2 and
 * costs many at f = 0.
 *
 * A stated rate is believed with STATED_STRENGTH pseudo-runs around it;
 * "good commits never fail" is a point mass at 0 with a little room left for
 * the user being wrong.
 */
import type { BayesOptions } from './types';

export interface BetaPrior {
  a: number;
  b: number;
}

/** A rate that is exactly 0 with probability `zero`, else Beta(a, b). */
export interface RatePrior extends BetaPrior {
  zero: number;
}

/** One component of the mixture prior of q. */
export interface BadComponent extends BetaPrior {
  weight: number;
}

export interface ModelPriors {
  bad: BadComponent[];
  good: RatePrior;
  /** Prior probability that no commit of the range is bad; the rest is uniform over the commits. */
  none: number;
}

const DEFAULT_BAD: BadComponent[] = [
  { weight: 0.5, a: 4, b: 1 },
  { weight: 0.5, a: 1, b: 1 },
];
const DEFAULT_GOOD: RatePrior = { a: 1, b: 4, zero: 0.3 };
const NEVER_FAILS: RatePrior = { a: 1, b: 19, zero: 0.95 };
const STATED_STRENGTH = 20;
const NONE_PRIOR = 0.05;

function stated(rate: number): BetaPrior {
  const r = Math.min(0.99, Math.max(0.01, rate));
  return { a: STATED_STRENGTH * r, b: STATED_STRENGTH * (1 - r) };
}

export function modelPriors(options: Pick<BayesOptions, 'badFails' | 'goodFails'>): ModelPriors {
  const { badFails, goodFails } = options;
  const good = goodFails === undefined ? DEFAULT_GOOD : goodFails <= 0 ? NEVER_FAILS : { ...stated(goodFails), zero: 0 };
  return { bad: badFails === undefined ? DEFAULT_BAD : [{ weight: 1, ...stated(badFails) }], good, none: NONE_PRIOR };
}
