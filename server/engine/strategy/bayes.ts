/**
 * Flaky mode: a Bayesian bisect over the DAG (model in bayes-model.ts, choice
 * in bayes-choice.ts). Every run is one observation; a commit may be run many
 * times. Skips say nothing about the culprit: they count toward the budget
 * and take the commit out of the choice (a build that breaks stays broken).
 *
 * Stops with the culprit once one commit holds `confidence` of the posterior
 * (plus a guard band, below), with "no culprit" once that hypothesis does,
 * and otherwise undecided (top 5) when `maxRuns` runs are spent or no run is
 * worth making any more (every informative commit skipped).
 *
 * The posterior is calibrated, so a session that stops at probability p is
 * right with probability p. Stopping at exactly `confidence` would make the
 * share of right answers equal to it on average when the posterior creeps up
 * in small steps (cheap reruns), and a bench would read just under it half
 * the time; and the rate priors only approximate any one reproducer. Stopping
 * 40% of the allowed error higher (0.97 for 0.95) keeps "at least
 * `confidence` right" with room (bench/flaky.ts); the probability reported
 * is the posterior itself.
 */
import { choose, chooseBatch, gains, type ChoiceInput, type Gains, type RunChoice } from './bayes-choice';
import { computePosterior, Evidence, PosteriorBuffers, type PosteriorView } from './bayes-model';
import { modelPriors, type ModelPriors } from './bayes-prior';
import { DagIndex } from './graph';
import { OUTSIDE } from './types';
import type { BayesOptions, Candidate, ChoiceContext, Outcome, RangeGraph, Strategy, StrategyResult, StrategySummary } from './types';

export const DEFAULT_CONFIDENCE = 0.95;
const DEFAULT_COSTS = { build: 10, run: 1 };
const TOP = 5;
/** Share of the allowed error (1 - confidence) kept as a guard band. */
const GUARD = 0.4;

export function createBayesStrategy(graph: RangeGraph, options: BayesOptions = {}): Strategy {
  return new BayesStrategy(graph, options);
}

/** What is known in one state of the evidence; dropped by every observe / unobserve. */
interface Derived {
  view: PosteriorView;
  result: StrategyResult;
  /** Every candidate's information with nothing pending, the tested commits among the candidates. */
  gains: Gains;
  /** The most informative run with nothing pending (null: none is worth making). */
  pick: RunChoice | null;
}

class BayesStrategy implements Strategy {
  readonly kind = 'bayes' as const;
  private readonly dag: DagIndex;
  private readonly priors: ModelPriors;
  private readonly evidence: Evidence;
  /** Probability at which a hypothesis ends the session: the confidence plus the guard band. */
  private readonly stopAt: number;
  private readonly maxRuns: number;
  private readonly costs: { build: number; run: number };
  private readonly buffers: PosteriorBuffers;
  private derived: Derived | null = null;

  constructor(graph: RangeGraph, options: BayesOptions) {
    if (graph.size < 1) throw new Error('a bisect range holds at least the bad commit');
    this.dag = new DagIndex(graph);
    this.priors = modelPriors(options);
    this.evidence = new Evidence(this.dag);
    const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    this.stopAt = confidence + GUARD * (1 - confidence);
    this.maxRuns = options.maxRuns ?? Infinity;
    this.costs = options.costs ?? DEFAULT_COSTS;
    if (!(this.costs.run > 0 && this.costs.build >= 0)) throw new Error('costs: a run must cost more than 0 and a build at least 0');
    this.buffers = new PosteriorBuffers(graph.size);
  }

  observe(index: number, outcome: Outcome): void {
    this.checkIndex(index);
    this.evidence.update(index, outcome, 1);
    this.derived = null;
  }

  unobserve(index: number, outcome: Outcome): void {
    this.checkIndex(index);
    if (this.evidence.count(index, outcome) === 0) throw new Error(`no ${outcome} run at commit ${index} to forget`);
    this.evidence.update(index, outcome, -1);
    this.derived = null;
  }

  next(k: number, ctx: ChoiceContext = {}): number[] {
    if (k < 1 || this.result().kind !== 'testing') return [];
    const busy = new Set(ctx.busy ?? []);
    const built = new Set(ctx.built ?? []);
    const input = this.choiceInput({
      eligible: (t) => !busy.has(t) && this.evidence.count(t, 'skip') === 0,
      cost: (t) => (built.has(t) ? this.costs.run : this.costs.build + this.costs.run),
      pending: [...busy],
      built: [...built],
      outside: ctx.outside ?? false,
    });
    // With nothing pending the gains of this posterior are known; they cover every built commit that has been run.
    const reuse = busy.size === 0 && [...built].every((t) => this.evidence.count(t, 'pass') + this.evidence.count(t, 'fail') > 0);
    return chooseBatch(input, k, reuse ? this.state().gains : undefined).map((x) => x.index);
  }

  /** A run never becomes useless while the answer is open: each one moves the posterior. */
  isMoot(_index: number): boolean {
    return this.result().kind !== 'testing';
  }

  result(): StrategyResult {
    return this.state().result;
  }

  posterior(): Float64Array {
    return Float64Array.from(this.state().view.p);
  }

  summary(): StrategySummary {
    const { view, pick } = this.state();
    return {
      best: { index: view.best, probability: view.p[view.best]! },
      none: view.none,
      badFails: view.badFails,
      goodFails: view.goodFails,
      runs: this.evidence.runs,
      expectedRunsLeft: this.runsLeft(view, pick),
    };
  }

  /**
   * Runs to find a candidate plus runs to confirm it. Finding: the bits that
   * separate the best commit from certainty, log2(1 / p_best), at the best
   * information one run brings now. Confirming: the log-odds the best commit
   * still has to gain to reach the stopping probability, at the evidence a run
   * on either side of it brings (the symmetrised KL divergence between failing
   * at q and at f). Checked against simulated sessions in bench/flaky.ts.
   */
  private runsLeft(view: PosteriorView, pick: RunChoice | null): number {
    if (this.state().result.kind !== 'testing' || !pick) return 0;
    const top = Math.max(view.p[view.best]!, view.none);
    const find = Math.log2(1 / top) / pick.bestGain;
    const q = view.failIn[view.best]!;
    const f = view.failOut[view.best]!;
    const perRun = (klBits(q, f) + klBits(f, q)) / 2;
    const odds = Math.max(0, Math.log2((1 - top) / top) - Math.log2((1 - this.stopAt) / this.stopAt));
    const confirm = odds / Math.max(perRun, pick.bestGain);
    return Math.min(Math.ceil(find + confirm), Math.max(0, this.maxRuns - this.evidence.runs));
  }

  private state(): Derived {
    if (this.derived) return this.derived;
    const view = computePosterior(this.evidence, this.priors, this.buffers);
    const eligible = (t: number) => this.evidence.count(t, 'skip') === 0;
    const scored = gains(this.choiceInput({ eligible, cost: () => 1, pending: [], built: this.evidence.tested(), outside: true }, view));
    const pick = choose(scored, () => 1, eligible);
    this.derived = { view, gains: scored, pick, result: this.decide(view, pick) };
    return this.derived;
  }

  private decide(view: PosteriorView, pick: RunChoice | null): StrategyResult {
    const top = view.p[view.best]!;
    if (top >= this.stopAt) return { kind: 'culprit', index: view.best, probability: top };
    if (view.none >= this.stopAt) return { kind: 'noCulprit', probability: view.none };
    if (this.evidence.runs >= this.maxRuns || pick === null) return { kind: 'undecided', top: topCandidates(view.p, TOP) };
    return { kind: 'testing' };
  }

  private choiceInput(
    parts: Omit<ChoiceInput, 'dag' | 'view'>,
    view: PosteriorView = this.state().view,
  ): ChoiceInput {
    return { dag: this.dag, view, ...parts };
  }

  private checkIndex(index: number): void {
    if (index !== OUTSIDE && (!Number.isInteger(index) || index < 0 || index >= this.dag.size)) {
      throw new Error(`commit index ${index} is outside the range 0..${this.dag.size - 1}`);
    }
  }
}

/** KL(Bern(a) || Bern(b)) in bits, with rates kept off 0 and 1. */
function klBits(a: number, b: number): number {
  const x = Math.min(1 - 1e-6, Math.max(1e-6, a));
  const y = Math.min(1 - 1e-6, Math.max(1e-6, b));
  return x * Math.log2(x / y) + (1 - x) * Math.log2((1 - x) / (1 - y));
}

function topCandidates(p: Float64Array, count: number): Candidate[] {
  const top: Candidate[] = [];
  for (let i = 0; i < p.length; i++) {
    const probability = p[i]!;
    if (top.length === count && probability <= top[count - 1]!.probability) continue;
    top.push({ index: i, probability });
    top.sort((a, b) => b.probability - a.probability);
    if (top.length > count) top.pop();
  }
  return top;
}
