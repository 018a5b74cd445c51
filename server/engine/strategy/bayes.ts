/**
 * Flaky mode: a Bayesian bisect over the DAG (model in bayes-model.ts, choice
 * in bayes-choice.ts). Every run is one observation; a commit may be run many
 * times. Skips say nothing about the culprit: they count toward the budget
 * and take the commit out of the choice (a build that breaks stays broken).
 *
 * Stops with the culprit once one commit holds `confidence` of the posterior,
 * with "no culprit" once that hypothesis does, and otherwise undecided (top 5)
 * when `maxRuns` runs are spent or no run is worth making any more (every
 * informative commit skipped).
 */
import { chooseBatch, bestPick, type ChoiceInput, type RunChoice } from './bayes-choice';
import { computePosterior, Evidence, PosteriorBuffers, type PosteriorView } from './bayes-model';
import { modelPriors, type ModelPriors } from './bayes-prior';
import { DagIndex } from './graph';
import { OUTSIDE } from './types';
import type { BayesOptions, Candidate, ChoiceContext, Outcome, RangeGraph, Strategy, StrategyResult, StrategySummary } from './types';

export const DEFAULT_CONFIDENCE = 0.95;
const DEFAULT_COSTS = { build: 10, run: 1 };
const TOP = 5;

export function createBayesStrategy(graph: RangeGraph, options: BayesOptions = {}): Strategy {
  return new BayesStrategy(graph, options);
}

/** What is known in one state of the evidence; dropped by every observe / unobserve. */
interface Derived {
  view: PosteriorView;
  result: StrategyResult;
  /** The best single run with nothing pending and nothing built (null: none is worth making). */
  pick: RunChoice | null;
}

class BayesStrategy implements Strategy {
  readonly kind = 'bayes' as const;
  private readonly dag: DagIndex;
  private readonly priors: ModelPriors;
  private readonly evidence: Evidence;
  private readonly confidence: number;
  private readonly maxRuns: number;
  private readonly costs: { build: number; run: number };
  private readonly buffers: PosteriorBuffers;
  private derived: Derived | null = null;

  constructor(graph: RangeGraph, options: BayesOptions) {
    if (graph.size < 1) throw new Error('a bisect range holds at least the bad commit');
    this.dag = new DagIndex(graph);
    this.priors = modelPriors(options);
    this.evidence = new Evidence(this.dag);
    this.confidence = options.confidence ?? DEFAULT_CONFIDENCE;
    this.maxRuns = options.maxRuns ?? Infinity;
    this.costs = options.costs ?? DEFAULT_COSTS;
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
    return chooseBatch(input, k).map((x) => x.index);
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
    const best = view.best >= 0 ? { index: view.best, probability: view.p[view.best]! } : null;
    return {
      best,
      none: view.none,
      badFails: view.badFails,
      goodFails: view.goodFails,
      runs: this.evidence.runs,
      expectedRunsLeft: this.runsLeft(view, pick),
    };
  }

  /**
   * Bits still to learn (entropy now minus the entropy of a distribution
   * holding `confidence` on one hypothesis) over the best information a run
   * can bring now. Later runs bring less, so this is a lower estimate.
   */
  private runsLeft(view: PosteriorView, pick: RunChoice | null): number {
    if (this.state().result.kind !== 'testing') return 0;
    const c = this.confidence;
    const target = -c * Math.log2(c) - (1 - c) * Math.log2(1 - c);
    const left = Math.max(0, view.entropy - target);
    const perRun = pick?.bestGain ?? 0;
    const estimate = perRun > 0 ? Math.ceil(left / perRun) : Infinity;
    return Math.min(estimate, Math.max(0, this.maxRuns - this.evidence.runs));
  }

  private state(): Derived {
    if (this.derived) return this.derived;
    const view = computePosterior(this.evidence, this.priors, this.buffers);
    const pick = bestPick(
      this.choiceInput({ eligible: (t) => this.evidence.count(t, 'skip') === 0, cost: () => 1, pending: [], built: [], outside: true }, view),
    );
    this.derived = { view, pick, result: this.decide(view, pick) };
    return this.derived;
  }

  private decide(view: PosteriorView, pick: RunChoice | null): StrategyResult {
    const top = view.best >= 0 ? view.p[view.best]! : 0;
    if (top >= this.confidence) return { kind: 'culprit', index: view.best, probability: top };
    if (view.none >= this.confidence) return { kind: 'noCulprit', probability: view.none };
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
