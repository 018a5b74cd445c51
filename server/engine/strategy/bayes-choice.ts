/**
 * Choosing runs in flaky mode: the commit whose next run is expected to tell
 * the most about the culprit per unit of cost.
 *
 * The value of one run at t is the mutual information (bits) between its
 * outcome Y_t and the hypothesis C (a culprit c, or none):
 * I = H(Σ_c P(c)·r_c(t)) - Σ_c P(c)·H(r_c(t)), where r_c(t) is the predictive
 * failure rate of a run at t under c with the rates integrated over their
 * posterior (failIn[c] when t contains c, failOut[c] otherwise). Using each
 * hypothesis's own predictive matters: rerunning one commit cannot tell "bad
 * and failing at q" from "good and failing at f" while the rates are unknown,
 * and this measure knows it. Cost is a run, plus a build when t is not built
 * in some slot; the choice maximises information per unit of cost.
 *
 * Runs already under way (busy slots, and earlier picks of the same batch)
 * count as pending observations whose outcomes are not known yet: the gain of
 * t is then conditional on them, averaged over their 2^m joint outcomes,
 * I(Y_t; C | Y_pending), taking runs as independent given c at its predictive
 * rates. Greedy picks under that rule do not repeat what a busy slot is about
 * to learn. At most MAX_PENDING pending runs (the first ones) are conditioned on.
 *
 * Candidates: a good endpoint (OUTSIDE, when the engine can run one: it
 * contains no hypothesis); on a line, every commit (the sums are prefix
 * sums, one sweep); on a DAG, a bounded set — commits at 64 quantiles of the
 * posterior in topological order, the built and tested commits, the best
 * commit with its parents and children, and the bad endpoint — each scored
 * exactly by walking its ancestors. Commits below the "floor" carry negligible mass and are never
 * walked into (ancestors have smaller indices), so walks shrink as the
 * posterior concentrates.
 */
import type { PosteriorView } from './bayes-model';
import type { DagIndex } from './graph';
import { OUTSIDE } from './types';

export interface ChoiceInput {
  dag: DagIndex;
  view: PosteriorView;
  /** Commits that may be picked (not skipped, not busy, not already picked). */
  eligible: (index: number) => boolean;
  cost: (index: number) => number;
  /** Commits with a run under way whose outcome is not known yet (distinct). */
  pending: readonly number[];
  /** Commits that are cheap to run again (built in some slot). */
  built: readonly number[];
  /** Whether a run at a good endpoint (`OUTSIDE`) may be picked. */
  outside: boolean;
  /** Score only these (later picks of a batch: the first pick's best candidates). */
  only?: readonly number[];
}

export interface RunChoice {
  index: number;
  /** Expected information of its run, in bits. */
  gain: number;
  /** The largest expected information of one run at any candidate (for estimates of runs left). */
  bestGain: number;
}

/** Below this a run is not worth making (bits). */
export const GAIN_FLOOR = 1e-6;
const MAX_PENDING = 8;
const QUANTILES = 64;
/** Later picks of a batch choose among this many of the first pick's best candidates. */
const SHORTLIST = 16;
/** Mass below the floor commit that may be ignored. */
const NEGLIGIBLE = 1e-12;
/** On a line, score every commit while (commits × joint outcomes of pending runs) stays below this. */
const LINE_BUDGET = 2_000_000;

function h2(x: number): number {
  if (x <= 0 || x >= 1) return 0;
  return -x * Math.log2(x) - (1 - x) * Math.log2(1 - x);
}

function floorOf(p: Float64Array): number {
  let mass = 0;
  for (let c = 0; c < p.length; c++) {
    mass += p[c]!;
    if (mass > NEGLIGIBLE) return c;
  }
  return p.length - 1;
}

/**
 * Scores runs given the pending ones. For every joint outcome y of the
 * pending runs it holds the probability of y (`z`) and the fail / entropy
 * mass a run would have if it contained no hypothesis (`base`, `baseH`);
 * a candidate adds, for the hypotheses it contains, the difference between
 * failing at failIn and at failOut (`add`).
 */
class Scorer {
  readonly combos: number;
  private readonly code: Int32Array;
  private readonly z: Float64Array;
  private readonly base: Float64Array;
  private readonly baseH: Float64Array;
  private readonly w: Float64Array;
  private readonly hIn: Float64Array;
  private readonly hOut: Float64Array;
  /** Per joint outcome: the candidate's added fail mass and added conditional entropy. */
  private readonly fail: Float64Array;
  private readonly ent: Float64Array;

  constructor(
    private readonly input: ChoiceInput,
    readonly floor: number,
  ) {
    const { dag, view } = input;
    const pending = input.pending.slice(0, MAX_PENDING);
    this.combos = 1 << pending.length;
    this.code = new Int32Array(dag.size);
    pending.forEach((s, j) => dag.forEachAncestor(s, (c) => (this.code[c]! |= 1 << j), floor));
    this.hIn = new Float64Array(dag.size);
    this.hOut = new Float64Array(dag.size);
    // Rates repeat along runs of commits with the same statistics: recompute the entropies only when they change.
    for (let c = floor; c < dag.size; c++) {
      const same = c > floor && view.failIn[c] === view.failIn[c - 1] && view.failOut[c] === view.failOut[c - 1];
      this.hIn[c] = same ? this.hIn[c - 1]! : h2(view.failIn[c]!);
      this.hOut[c] = same ? this.hOut[c - 1]! : h2(view.failOut[c]!);
    }
    this.z = new Float64Array(this.combos);
    this.base = new Float64Array(this.combos);
    this.baseH = new Float64Array(this.combos);
    this.w = new Float64Array(this.combos);
    this.fail = new Float64Array(this.combos);
    this.ent = new Float64Array(this.combos);
    this.weighBase();
  }

  /** w[y] = P(pending outcomes y | a hypothesis with this containment code and these rates). */
  private weights(code: number, rateIn: number, rateOut: number): Float64Array {
    const { w } = this;
    w[0] = 1;
    for (let j = 0, half = 1; half < this.combos; j++, half <<= 1) {
      const r = (code >> j) & 1 ? rateIn : rateOut;
      for (let y = 0; y < half; y++) {
        w[y + half] = w[y]! * r;
        w[y]! *= 1 - r;
      }
    }
    return w;
  }

  private weighBase(): void {
    const { view } = this.input;
    const addBase = (mass: number, w: Float64Array, rate: number, h: number) => {
      for (let y = 0; y < this.combos; y++) {
        this.z[y]! += mass * w[y]!;
        this.base[y]! += mass * w[y]! * rate;
        this.baseH[y]! += mass * w[y]! * h;
      }
    };
    addBase(view.none, this.weights(0, 0, view.failNone), view.failNone, h2(view.failNone));
    for (let c = this.floor; c < view.p.length; c++) {
      addBase(view.p[c]!, this.weights(this.code[c]!, view.failIn[c]!, view.failOut[c]!), view.failOut[c]!, this.hOut[c]!);
    }
  }

  reset(): void {
    this.fail.fill(0);
    this.ent.fill(0);
  }

  /** Counts hypothesis c as contained by the candidate. */
  add(c: number): void {
    const { view } = this.input;
    const mass = view.p[c]!;
    if (mass === 0) return;
    const rIn = view.failIn[c]!;
    const rOut = view.failOut[c]!;
    if (this.combos === 1) {
      this.fail[0]! += mass * (rIn - rOut);
      this.ent[0]! += mass * (this.hIn[c]! - this.hOut[c]!);
      return;
    }
    const w = this.weights(this.code[c]!, rIn, rOut);
    for (let y = 0; y < this.combos; y++) {
      this.fail[y]! += mass * w[y]! * (rIn - rOut);
      this.ent[y]! += mass * w[y]! * (this.hIn[c]! - this.hOut[c]!);
    }
  }

  /** I(Y_t; C | Y_pending) for the hypotheses added since the last reset. */
  gain(): number {
    let gain = 0;
    for (let y = 0; y < this.combos; y++) {
      const zy = this.z[y]!;
      if (zy <= 0) continue;
      gain += zy * h2((this.base[y]! + this.fail[y]!) / zy) - this.baseH[y]! - this.ent[y]!;
    }
    return Math.max(0, gain);
  }
}

/** Commits at quantiles of the posterior, the built ones, the best one's neighbourhood and the bad endpoint. */
function candidateSet(input: ChoiceInput, floor: number): number[] {
  const { dag, view } = input;
  const { p, best } = view;
  const set = new Set<number>();
  const add = (t: number) => {
    if (t >= 0 && t < dag.size && input.eligible(t)) set.add(t);
  };
  const total = 1 - view.none;
  let cum = 0;
  let next = 1;
  for (let c = floor; c < dag.size && next <= QUANTILES; c++) {
    cum += p[c]!;
    for (; next <= QUANTILES && cum >= (next / (QUANTILES + 1)) * total; next++) add(nearestEligible(input, c));
  }
  input.built.forEach(add);
  add(best);
  for (const adj of [dag.parents, dag.children]) {
    for (let e = adj.start[best]!; e < adj.start[best + 1]!; e++) add(adj.list[e]!);
  }
  add(dag.size - 1);
  return [...set].sort((a, b) => a - b);
}

function nearestEligible(input: ChoiceInput, t: number): number {
  for (let d = 0; d < 64; d++) {
    if (t + d < input.dag.size && input.eligible(t + d)) return t + d;
    if (t - d >= 0 && input.eligible(t - d)) return t - d;
  }
  return -1;
}

/** The expected information of one run at each candidate worth running (cost aside), and the largest of all. */
export interface Gains {
  readonly offers: ReadonlyArray<{ index: number; gain: number }>;
  readonly bestGain: number;
}

class GainList implements Gains {
  readonly offers: Array<{ index: number; gain: number }> = [];
  bestGain = 0;

  offer(index: number, gain: number): void {
    this.bestGain = Math.max(this.bestGain, gain);
    if (gain >= GAIN_FLOOR) this.offers.push({ index, gain });
  }
}

/** Scores the candidates. On a line the contained hypotheses grow one commit at a time, so one sweep serves all. */
function scoreCandidates(input: ChoiceInput, scorer: Scorer, out: GainList): void {
  const { dag, only } = input;
  const { floor } = scorer;
  if (input.outside && input.eligible(OUTSIDE) && (!only || only.includes(OUTSIDE))) {
    scorer.reset();
    out.offer(OUTSIDE, scorer.gain());
  }
  if (dag.linear) {
    const all = !only && (dag.size - floor) * scorer.combos <= LINE_BUDGET;
    const wanted = all ? null : new Set(only ?? candidateSet(input, floor));
    scorer.reset();
    for (let t = floor; t < dag.size; t++) {
      scorer.add(t);
      if (wanted ? wanted.has(t) && input.eligible(t) : input.eligible(t)) out.offer(t, scorer.gain());
    }
    return;
  }
  const add = (c: number) => scorer.add(c);
  for (const t of only ?? candidateSet(input, floor)) {
    if (t === OUTSIDE || !input.eligible(t)) continue;
    scorer.reset();
    dag.forEachAncestor(t, add, floor);
    out.offer(t, scorer.gain());
  }
}

/** The information of a run at each candidate, given the pending runs. */
export function gains(input: ChoiceInput): Gains {
  const out = new GainList();
  scoreCandidates(input, new Scorer(input, floorOf(input.view.p)), out);
  return out;
}

/** Among scored candidates that are eligible, the most information per unit of cost; null when none is worth a run. */
export function choose(g: Gains, cost: (index: number) => number, eligible: (index: number) => boolean): RunChoice | null {
  let choice: RunChoice | null = null;
  let best = 0;
  for (const { index, gain } of g.offers) {
    const score = gain / cost(index);
    if (score > best && eligible(index)) {
      best = score;
      choice = { index, gain, bestGain: g.bestGain };
    }
  }
  return choice;
}

function shortlist(g: Gains, cost: (index: number) => number): number[] {
  return [...g.offers]
    .sort((a, b) => b.gain / cost(b.index) - a.gain / cost(a.index))
    .slice(0, SHORTLIST)
    .map((o) => o.index);
}

/**
 * Up to k picks, greedily: each one counts the earlier picks and the busy
 * slots' runs as pending. The first pick scores every candidate (or takes
 * `first`, gains already scored for the same posterior with nothing
 * pending); the later ones rescore only its SHORTLIST best, since a pending
 * run mostly lowers what another run can add.
 */
export function chooseBatch(input: ChoiceInput, k: number, first?: Gains): RunChoice[] {
  const picks: RunChoice[] = [];
  const taken = new Set<number>();
  const eligible = (t: number) => !taken.has(t) && input.eligible(t) && (t !== OUTSIDE || input.outside);
  let only: readonly number[] | undefined;
  for (let j = 0; j < k; j++) {
    const scored =
      j === 0 && first ? first : gains({ ...input, pending: [...input.pending, ...picks.map((x) => x.index)], eligible, ...(only ? { only } : {}) });
    const pick = choose(scored, input.cost, eligible);
    if (!pick) break;
    if (j + 1 < k) only ??= shortlist(scored, input.cost);
    picks.push(pick);
    taken.add(pick.index);
  }
  return picks;
}
