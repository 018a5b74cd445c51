/**
 * The flaky-reproducer model. Hypotheses: exactly one commit c of the range is
 * the first bad one, or none is. A commit t "contains" c when c is an
 * ancestor-or-self of t (the bad endpoint contains every c; the good side,
 * OUTSIDE, contains none). A run at a commit containing c fails with unknown
 * rate q, any other run with unknown rate f. With the priors of
 * bayes-prior.ts (q a Beta, f a point mass at 0 mixed with a Beta) both rates
 * are integrated out analytically, so each hypothesis is scored by
 * Beta-Binomial marginal likelihoods of two sufficient statistics: fails and
 * passes at commits that contain c, and all the others.
 */
import { logBeta } from './bayes-math';
import type { BadComponent, ModelPriors, RatePrior } from './bayes-prior';
import type { DagIndex } from './graph';
import { OUTSIDE } from './types';
import type { Outcome } from './types';

/**
 * The runs seen so far, reduced to what the posterior needs. `failsIn[c]` /
 * `passesIn[c]` count runs at commits containing c; totals include OUTSIDE.
 * Every update is an exact integer increment, so `remove` undoes `add`.
 */
export class Evidence {
  readonly failsIn: Int32Array;
  readonly passesIn: Int32Array;
  readonly fails: Int32Array;
  readonly passes: Int32Array;
  readonly skips: Int32Array;
  /** Runs on the good side, by outcome. */
  readonly outside = { fail: 0, pass: 0, skip: 0 };
  totalFails = 0;
  totalPasses = 0;
  runs = 0;

  constructor(private readonly dag: DagIndex) {
    const n = dag.size;
    this.failsIn = new Int32Array(n);
    this.passesIn = new Int32Array(n);
    this.fails = new Int32Array(n);
    this.passes = new Int32Array(n);
    this.skips = new Int32Array(n);
  }

  /** Counts one run at `index` (`OUTSIDE` allowed) `sign` times: +1 adds it, -1 removes it. */
  update(index: number, outcome: Outcome, sign: 1 | -1): void {
    this.runs += sign;
    if (outcome === 'fail') this.totalFails += sign;
    if (outcome === 'pass') this.totalPasses += sign;
    if (index === OUTSIDE) {
      this.outside[outcome] += sign;
      return;
    }
    this.perCommit(outcome)[index]! += sign;
    if (outcome === 'skip') return;
    const containing = outcome === 'fail' ? this.failsIn : this.passesIn;
    this.dag.forEachAncestor(index, (c) => {
      containing[c]! += sign;
    });
  }

  /** Commits of the range with at least one pass or fail. */
  tested(): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.fails.length; t++) if (this.fails[t]! + this.passes[t]! > 0) out.push(t);
    return out;
  }

  /** How many runs with this outcome `index` has had. */
  count(index: number, outcome: Outcome): number {
    return index === OUTSIDE ? this.outside[outcome] : this.perCommit(outcome)[index]!;
  }

  private perCommit(outcome: Outcome): Int32Array {
    return outcome === 'fail' ? this.fails : outcome === 'pass' ? this.passes : this.skips;
  }
}

export interface PosteriorView {
  /** P(c is the first bad commit), per commit. */
  readonly p: Float64Array;
  /** P(no commit of the range is bad). */
  readonly none: number;
  /**
   * Under hypothesis c, the predictive failure rate of one more run at a
   * commit containing c (`failIn[c]`, the posterior mean of q) and at any
   * other commit (`failOut[c]`, of f); `failNone` for f under "no culprit".
   */
  readonly failIn: Float64Array;
  readonly failOut: Float64Array;
  readonly failNone: number;
  /** Posterior means of the two failure rates (q given some culprit; f over all hypotheses). */
  readonly badFails: number;
  readonly goodFails: number;
  /** The most probable commit. */
  readonly best: number;
  /** Entropy of the posterior over the N + 1 hypotheses, in bits. */
  readonly entropy: number;
}

/** Where a posterior is computed, reused from one observation to the next. */
export class PosteriorBuffers {
  readonly p: Float64Array;
  readonly failIn: Float64Array;
  readonly failOut: Float64Array;

  constructor(size: number) {
    this.p = new Float64Array(size);
    this.failIn = new Float64Array(size);
    this.failOut = new Float64Array(size);
  }
}

/** A hypothesis scored from its sufficient statistics: log marginal likelihood and the predictive of one more run. */
interface Scored {
  log: number;
  rateIn: number;
  rateOut: number;
}

/**
 * The posterior over hypotheses. A hypothesis's score depends only on the
 * fails and passes at commits containing it (the totals are shared), and few
 * distinct pairs occur (on a line they change only at observed commits), so
 * scores are cached by pair.
 */
export function computePosterior(ev: Evidence, priors: ModelPriors, out: PosteriorBuffers): PosteriorView {
  const { p, failIn, failOut } = out;
  const n = p.length;
  const F = ev.totalFails;
  const P = ev.totalPasses;
  const logPriorC = Math.log((1 - priors.none) / n);
  const none = goodRuns(priors.good, F, P);
  const logNone = Math.log(priors.none) + none.log;
  const cache = new Map<number, Scored>();
  let max = logNone;
  for (let c = 0; c < n; c++) {
    const fi = ev.failsIn[c]!;
    const pi = ev.passesIn[c]!;
    const key = fi * 0x200000 + pi;
    let s = cache.get(key);
    if (!s) {
      s = score(priors, fi, pi, F - fi, P - pi);
      cache.set(key, s);
    }
    p[c] = logPriorC + s.log;
    failIn[c] = s.rateIn;
    failOut[c] = s.rateOut;
    if (p[c]! > max) max = p[c]!;
  }
  return normalise(out, Math.exp(logNone - max), max, none.rate, priors);
}

function score({ bad, good }: ModelPriors, fi: number, pi: number, fo: number, po: number): Scored {
  const outside = goodRuns(good, fo, po);
  const inside = badRuns(bad, fi, pi);
  return { log: inside.log + outside.log, rateIn: inside.rate, rateOut: outside.rate };
}

/** Runs at commits containing the culprit under the mixture prior of q: log marginal likelihood and predictive rate. */
function badRuns(bad: readonly BadComponent[], fails: number, passes: number): { log: number; rate: number } {
  const logs = bad.map((k) => Math.log(k.weight) + logBeta(k.a + fails, k.b + passes) - logBeta(k.a, k.b));
  const top = Math.max(...logs);
  const w = logs.map((l) => Math.exp(l - top));
  const total = w.reduce((x, y) => x + y, 0);
  const rate = bad.reduce((r, k, i) => r + (w[i]! / total) * ((k.a + fails) / (k.a + k.b + fails + passes)), 0);
  return { log: top + Math.log(total), rate };
}

/**
 * Runs at commits not containing the culprit, `fails` of them failing: their
 * log marginal likelihood under the good-rate prior (a point mass at 0 mixed
 * with a Beta) and the predictive failure rate of one more.
 */
function goodRuns(good: RatePrior, fails: number, passes: number): { log: number; rate: number } {
  const a = good.a + fails;
  const b = good.b + passes;
  const logSlab = Math.log(1 - good.zero) + logBeta(a, b) - logBeta(good.a, good.b);
  if (fails > 0 || good.zero === 0) return { log: logSlab, rate: a / (a + b) };
  const logZero = Math.log(good.zero);
  const top = Math.max(logZero, logSlab);
  const log = top + Math.log(Math.exp(logZero - top) + Math.exp(logSlab - top));
  return { log, rate: (Math.exp(logSlab - log) * a) / (a + b) };
}

function normalise(out: PosteriorBuffers, noneWeight: number, max: number, failNone: number, priors: ModelPriors): PosteriorView {
  const { p, failIn, failOut } = out;
  let total = noneWeight;
  for (let c = 0; c < p.length; c++) {
    const w = Math.exp(p[c]! - max);
    p[c] = w;
    total += w;
  }
  const none = noneWeight / total;
  let best = 0;
  let q = 0;
  let f = none * failNone;
  let entropy = none > 0 ? -none * Math.log2(none) : 0;
  for (let c = 0; c < p.length; c++) {
    const pc = p[c]! / total;
    p[c] = pc;
    if (pc > p[best]!) best = c;
    q += pc * failIn[c]!;
    f += pc * failOut[c]!;
    if (pc > 0) entropy -= pc * Math.log2(pc);
  }
  const somewhere = 1 - none;
  const badFails = somewhere > 1e-12 ? q / somewhere : priors.bad.reduce((m, k) => m + (k.weight * k.a) / (k.a + k.b), 0);
  return { p, none, failIn, failOut, failNone, badFails, goodFails: f, best, entropy };
}
