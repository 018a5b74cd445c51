/**
 * Seeded simulation of bisect sessions, for tests and bench/flaky.ts: range
 * generators (a line, a merge-heavy history), a planted culprit, a flaky
 * reproducer and a driver that runs a strategy on k slots in rounds or
 * handing freed slots new work at once.
 *
 * Every commit has its own random stream: the n-th run of commit t draws the
 * same number whatever strategy asked for it, so strategies compared on one
 * seed see the same outcomes for the same commit and run number.
 */
import { createExactStrategy } from './exact';
import { DagIndex } from './graph';
import { OUTSIDE } from './types';
import type { Outcome, RangeGraph, Strategy, StrategyResult } from './types';
import { mulberry32 } from '../util/rng';

export { mulberry32 };

function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The n-th draw of commit `commit`'s stream (counter-based: no state to keep in step). */
export function runUniform(seed: number, commit: number, run: number): number {
  const h = fmix32(fmix32(seed ^ Math.imul(commit + 2, 0x9e3779b1)) ^ Math.imul(run + 1, 0x27d4eb2f));
  return fmix32(h + 0x165667b1) / 4294967296;
}

export function linearGraph(size: number): RangeGraph {
  return { size, parents: Array.from({ length: size }, (_, i) => (i === 0 ? [] : [i - 1])) };
}

/**
 * A kernel-like history: a mainline of direct commits and merges of topic
 * branches (1-8 commits) that fork from a recent mainline commit or from
 * outside the range, some of them merging mainline back in. About a fifth of
 * the commits are merges; every commit is an ancestor of the last one.
 */
export function mergeGraph(size: number, seed: number): RangeGraph {
  const rand = mulberry32(seed);
  const parents: number[][] = [];
  const mainline: number[] = [];
  const recent = () => mainline[Math.max(0, mainline.length - 1 - Math.floor(rand() * 40))] ?? -1;
  const add = (ps: number[]) => parents.push(ps.filter((p) => p >= 0)) - 1;
  let main = -1;
  while (parents.length < size - 1) {
    const room = size - 1 - parents.length;
    if (room < 3 || rand() < 0.3) {
      main = add([main]);
      mainline.push(main);
      continue;
    }
    let tip = rand() < 0.2 ? -1 : recent();
    const length = 1 + Math.floor(rand() * Math.min(8, room - 1));
    for (let j = 0; j < length; j++) tip = add(j > 0 && rand() < 0.15 ? [tip, recent()] : [tip]);
    main = add([main, tip]);
    mainline.push(main);
  }
  add([main]);
  return { size, parents };
}

/** The planted truth of a simulated session. */
export interface Truth {
  /** The first bad commit, or null when the range only flakes. */
  culprit: number | null;
  badFails: number;
  goodFails: number;
  /** bad[t] = 1 when t contains the culprit. */
  bad: Uint8Array;
  /** Commits whose runs always skip (a broken build). */
  skipped: ReadonlySet<number>;
  seed: number;
}

export function plantCulprit(
  graph: RangeGraph,
  culprit: number | null,
  rates: { badFails: number; goodFails: number },
  seed: number,
  skipped: Iterable<number> = [],
): Truth {
  const dag = new DagIndex(graph);
  const bad = new Uint8Array(graph.size);
  const stack = culprit === null ? [] : [culprit];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (bad[t] === 1) continue;
    bad[t] = 1;
    for (let e = dag.children.start[t]!; e < dag.children.start[t + 1]!; e++) stack.push(dag.children.list[e]!);
  }
  return { culprit, ...rates, bad, skipped: new Set(skipped), seed };
}

/** The flaky reproducer of a truth: outcomes drawn from each commit's own stream. */
export class Reproducer {
  private readonly counts = new Map<number, number>();

  constructor(private readonly truth: Truth) {}

  run(index: number): Outcome {
    if (this.truth.skipped.has(index)) return 'skip';
    const n = this.counts.get(index) ?? 0;
    this.counts.set(index, n + 1);
    const rate = index !== OUTSIDE && this.truth.bad[index] === 1 ? this.truth.badFails : this.truth.goodFails;
    return runUniform(this.truth.seed, index, n) < rate ? 'fail' : 'pass';
  }
}

export interface SessionOptions {
  slots?: number;
  /** `rounds`: k picks, wait for all; `freed`: a slot that finishes gets new work at once, moot runs are cancelled. */
  mode?: 'rounds' | 'freed';
  /** Time and cost of a build (when the slot has not built the commit) and of a run. Default 10 and 1. */
  costs?: { build: number; run: number };
  /** The engine can run a good endpoint when the strategy asks (`ChoiceContext.outside`). Default true. */
  outside?: boolean;
  /** Start as the engine does in flaky mode: one run at the bad endpoint and one at a good one, fed to the strategy. */
  checks?: boolean;
  /** Safety stop for strategies that never end. */
  maxRuns?: number;
}

export interface SessionStats {
  result: StrategyResult;
  right: boolean;
  runs: number;
  /** Distinct commits built (or checked out, when a build costs nothing). */
  commits: number;
  builds: number;
  /** Sum of build and run costs (cancelled runs: the part spent). */
  cost: number;
  rounds: number;
  /** Wall time with the slots in parallel. */
  time: number;
  cancelled: number;
}

/** Whether a result names the truth: the culprit, or "no culprit" for a range that only flakes. */
export function isRight(result: StrategyResult, truth: Truth): boolean {
  if (result.kind === 'culprit') return result.index === truth.culprit;
  return result.kind === 'noCulprit' && truth.culprit === null;
}

interface SlotState {
  built: number;
  job: { index: number; start: number; end: number } | null;
}

/** Drives one session to its end. Each slot keeps the last commit it built, as the engine's worktrees do. */
export function runSession(strategy: Strategy, truth: Truth, options: SessionOptions = {}): SessionStats {
  const sim = new Simulation(strategy, truth, options);
  return options.mode === 'freed' ? sim.freed() : sim.rounds();
}

class Simulation {
  private readonly repro: Reproducer;
  private readonly slots: SlotState[];
  private readonly costs: { build: number; run: number };
  private readonly maxRuns: number;
  private readonly outside: boolean;
  private readonly checks: number[];
  private readonly everBuilt = new Set<number>();
  private stats = { runs: 0, builds: 0, cost: 0, rounds: 0, time: 0, cancelled: 0 };

  constructor(
    private readonly strategy: Strategy,
    private readonly truth: Truth,
    options: SessionOptions,
  ) {
    this.repro = new Reproducer(truth);
    this.slots = Array.from({ length: options.slots ?? 1 }, () => ({ built: -2, job: null }));
    this.costs = options.costs ?? { build: 10, run: 1 };
    this.maxRuns = options.maxRuns ?? 100_000;
    this.outside = options.outside ?? true;
    this.checks = options.checks ? [truth.bad.length - 1, OUTSIDE] : [];
  }

  /** The endpoint checks still to run, else the strategy's picks. */
  private picks(k: number): number[] {
    if (this.checks.length > 0) return this.checks.splice(0, k);
    return this.strategy.next(k, this.context());
  }

  rounds(): SessionStats {
    while (this.checks.length > 0 || this.strategy.result().kind === 'testing') {
      const jobs = this.assign(this.picks(this.slots.length), this.slots, 0);
      if (jobs.length === 0) break;
      this.stats.rounds++;
      this.stats.time += Math.max(...jobs.map((s) => s.job!.end));
      for (const slot of jobs) this.finish(slot);
    }
    return this.done();
  }

  freed(): SessionStats {
    let now = 0;
    for (;;) {
      if (this.checks.length === 0 && this.strategy.result().kind !== 'testing') break;
      const idle = this.slots.filter((s) => !s.job);
      if (idle.length > 0) this.assign(this.picks(idle.length), idle, now);
      const running = this.slots.filter((s) => s.job);
      if (running.length === 0) break;
      const slot = running.reduce((a, b) => (b.job!.end < a.job!.end ? b : a));
      now = slot.job!.end;
      this.finish(slot);
      for (const other of running) {
        if (other !== slot && this.strategy.isMoot(other.job!.index)) this.cancel(other, now);
      }
    }
    for (const s of this.slots) if (s.job) this.cancel(s, now);
    this.stats.time = now;
    return this.done();
  }

  private context() {
    const busy = this.slots.flatMap((s) => (s.job ? [s.job.index] : []));
    const built = this.slots.flatMap((s) => (s.job || s.built < 0 ? [] : [s.built]));
    return { busy, built, outside: this.outside };
  }

  /** Gives each pick a free slot, preferring one that has it built. */
  private assign(picks: number[], free: SlotState[], now: number): SlotState[] {
    const left = [...free];
    const used: SlotState[] = [];
    for (const index of picks) {
      const at = Math.max(0, left.findIndex((s) => s.built === index));
      const slot = left.splice(at, 1)[0];
      if (!slot) break;
      const fresh = slot.built !== index;
      if (fresh) {
        this.stats.builds++;
        this.everBuilt.add(index);
      }
      const build = fresh ? this.costs.build : 0;
      slot.built = index;
      slot.job = { index, start: now, end: now + build + this.costs.run };
      used.push(slot);
    }
    return used;
  }

  private finish(slot: SlotState): void {
    const job = slot.job!;
    slot.job = null;
    this.stats.cost += job.end - job.start;
    this.stats.runs++;
    if (this.stats.runs > this.maxRuns) throw new Error(`session did not end within ${this.maxRuns} runs`);
    this.strategy.observe(job.index, this.repro.run(job.index));
  }

  private cancel(slot: SlotState, now: number): void {
    this.stats.cost += now - slot.job!.start;
    this.stats.cancelled++;
    slot.job = null;
    slot.built = -2;
  }

  private done(): SessionStats {
    const result = this.strategy.result();
    return { ...this.stats, result, right: isRight(result, this.truth), commits: this.everBuilt.size };
  }
}

/** Plain `git bisect` on the same streams: one run per step, its verdict taken as exact. */
export function plainBisect(graph: RangeGraph, truth: Truth): SessionStats {
  return runSession(createExactStrategy(graph), truth);
}
