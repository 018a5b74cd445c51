/**
 * Exact verdicts, git's rules on the DAG: a run that fails marks its commit
 * bad (new term), a pass marks it good (old term), a skip marks it untestable.
 *
 * Suspects are the commits that may still be the first bad one: ancestors-or-
 * self of every bad mark (the bad endpoint starts bad) and of no good mark.
 * Observations are applied in the order they arrived; one that would leave no
 * suspect at all contradicts the verdicts before it (a second, opposite verdict
 * on the same commit; a pass on a descendant of a bad commit; a fail on a
 * commit known good) and is ignored, as git refuses contradictory marks: the
 * first verdict that could be applied stands. A commit whose verdict was
 * ignored is treated as skipped, so it is not offered again (a later verdict
 * on it still counts if it fits). Runs on the good side (`OUTSIDE`) carry no
 * verdict. `unobserve` forgets the latest matching run and replays the rest.
 *
 * `next(k)` splits the suspects as `git bisect` does for one commit and
 * generalises it to k: the commits whose count of suspect ancestors-or-self is
 * closest to i/(k+1) of the suspects, so k slots finish in about
 * ⌈log_(k+1) N⌉ rounds.
 */
import { ancestorCounts, DagIndex } from './graph';
import { OUTSIDE } from './types';
import type { ChoiceContext, Outcome, RangeGraph, Strategy, StrategyResult, StrategySummary } from './types';

const UNTESTED = 0;
const BAD = 1;
const GOOD = 2;
/** Skipped, or given a verdict that contradicted earlier ones. */
const SKIPPED = 3;

interface Observation {
  index: number;
  outcome: Outcome;
}

export function createExactStrategy(graph: RangeGraph): Strategy {
  return new ExactStrategy(graph);
}

class ExactStrategy implements Strategy {
  readonly kind = 'git' as const;
  private readonly dag: DagIndex;
  private readonly history: Observation[] = [];
  private suspects: Uint8Array = new Uint8Array(0);
  private suspectCount = 0;
  private verdict: Uint8Array = new Uint8Array(0);

  constructor(graph: RangeGraph) {
    if (graph.size < 1) throw new Error('a bisect range holds at least the bad commit');
    this.dag = new DagIndex(graph);
    this.replay();
  }

  observe(index: number, outcome: Outcome): void {
    this.checkIndex(index);
    this.history.push({ index, outcome });
    this.apply(index, outcome);
  }

  /** Removes the latest matching run and replays the rest, so later verdicts are judged as if it never happened. */
  unobserve(index: number, outcome: Outcome): void {
    for (let h = this.history.length - 1; h >= 0; h--) {
      const o = this.history[h]!;
      if (o.index === index && o.outcome === outcome) {
        this.history.splice(h, 1);
        this.replay();
        return;
      }
    }
    throw new Error(`no ${outcome} run at commit ${index} to forget`);
  }

  next(k: number, ctx: ChoiceContext = {}): number[] {
    if (k < 1 || this.result().kind !== 'testing') return [];
    const weights = ancestorCounts(this.dag, this.suspects);
    const busy = new Set(ctx.busy ?? []);
    const pending = [...busy].filter((i) => this.isTestable(i));
    const free: number[] = [];
    for (let i = 0; i < this.dag.size; i++) if (this.isTestable(i) && !busy.has(i)) free.push(i);
    return splitChoice(this.suspectCount, weights, pending, free, k);
  }

  isMoot(index: number): boolean {
    return this.result().kind !== 'testing' || !this.isTestable(index);
  }

  result(): StrategyResult {
    const members: number[] = [];
    for (let i = 0; i < this.dag.size; i++) {
      if (this.suspects[i] !== 1) continue;
      if (this.verdict[i] === UNTESTED) return { kind: 'testing' };
      members.push(i);
    }
    const only = members[0];
    if (members.length === 1 && only !== undefined && this.verdict[only] === BAD) {
      return { kind: 'culprit', index: only, probability: 1 };
    }
    return { kind: 'candidates', indices: members };
  }

  /** Uniform over the suspects: with exact verdicts each is equally likely. */
  posterior(): Float64Array {
    const p = new Float64Array(this.dag.size);
    for (let i = 0; i < this.dag.size; i++) if (this.suspects[i] === 1) p[i] = 1 / this.suspectCount;
    return p;
  }

  /** `best` is git's current bad commit (the lowest bad mark among the suspects), if any. */
  summary(): StrategySummary {
    let best: StrategySummary['best'] = null;
    let untested = 0;
    for (let i = 0; i < this.dag.size; i++) {
      if (this.suspects[i] !== 1) continue;
      if (this.verdict[i] === BAD) best = { index: i, probability: 1 / this.suspectCount };
      if (this.verdict[i] === UNTESTED) untested++;
    }
    return {
      best,
      none: 0,
      badFails: 1,
      goodFails: 0,
      runs: this.history.length,
      expectedRunsLeft: untested === 0 ? 0 : Math.ceil(Math.log2(untested + 1)),
    };
  }

  private isTestable(index: number): boolean {
    return index !== OUTSIDE && this.suspects[index] === 1 && this.verdict[index] === UNTESTED;
  }

  private replay(): void {
    const n = this.dag.size;
    this.verdict = new Uint8Array(n);
    this.suspects = this.dag.ancestorMask(n - 1);
    this.suspectCount = this.suspects.reduce((a, b) => a + b, 0);
    this.verdict[n - 1] = BAD;
    for (const o of this.history) this.apply(o.index, o.outcome);
  }

  private apply(index: number, outcome: Outcome): void {
    if (index === OUTSIDE) return;
    const current = this.verdict[index];
    if (outcome === 'skip' || current === BAD || current === GOOD) {
      if (current === UNTESTED) this.verdict[index] = SKIPPED;
      return;
    }
    // A verdict is consistent when some suspect survives it.
    const ancestors = this.dag.ancestorMask(index);
    const keep = outcome === 'fail' ? 1 : 0;
    let survivors = 0;
    for (let i = 0; i < ancestors.length; i++) if (this.suspects[i] === 1 && ancestors[i] === keep) survivors++;
    if (survivors === 0) {
      if (current === UNTESTED) this.verdict[index] = SKIPPED;
      return;
    }
    for (let i = 0; i < ancestors.length; i++) if (ancestors[i] !== keep) this.suspects[i] = 0;
    this.suspectCount = survivors;
    this.verdict[index] = outcome === 'fail' ? BAD : GOOD;
  }

  private checkIndex(index: number): void {
    if (index !== OUTSIDE && (!Number.isInteger(index) || index < 0 || index >= this.dag.size)) {
      throw new Error(`commit index ${index} is outside the range 0..${this.dag.size - 1}`);
    }
  }
}

/**
 * k commits splitting `total` suspects into k+1 parts as evenly as the DAG
 * allows: with `pending` (busy, still useful) commits counted as cuts already
 * made, each of the k + |pending| cut targets i·total/(k+|pending|+1) is taken
 * first by the nearest pending commit, then the rest by the nearest free
 * commit by weight (ties: lower index). Best first: closest to the halfway
 * split, which for k = 1 is git's own choice.
 */
function splitChoice(total: number, weights: Int32Array, pending: number[], free: number[], k: number): number[] {
  const cuts = k + pending.length;
  const targets = Array.from({ length: cuts }, (_, i) => ((i + 1) * total) / (cuts + 1));
  for (const b of pending) {
    const w = weights[b]!;
    let nearest = 0;
    targets.forEach((t, i) => {
      if (Math.abs(w - t) < Math.abs(w - targets[nearest]!)) nearest = i;
    });
    targets.splice(nearest, 1);
  }
  const chosen = new Set<number>();
  for (const t of targets) {
    let best = -1;
    for (const c of free) {
      if (chosen.has(c)) continue;
      if (best < 0 || Math.abs(weights[c]! - t) < Math.abs(weights[best]! - t)) best = c;
    }
    if (best < 0) break;
    chosen.add(best);
  }
  const half = (c: number) => -Math.min(weights[c]!, total - weights[c]!);
  return [...chosen].sort((a, b) => half(a) - half(b) || a - b);
}
