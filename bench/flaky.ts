/**
 * bench/flaky: the flaky-mode strategy on simulated histories, against plain
 * `git bisect` (one run per step, its verdict taken as exact) on the same
 * random streams (each commit has its own stream, so both see the same
 * outcome for the same commit and run number).
 *
 *   npx tsx bench/flaky.ts [--trials 1000] [--big-trials 100] [--slots 1] [--json]
 *                          [--sizes 128,1024,12000] [--kinds linear,merges]
 *                          [--cases 0.8/0.2,0.9/0.1,0.3/0,0.5/0.01] [--build 10]
 *   npx tsx bench/flaky.ts --exact-slots 4 [--sizes ...] [--kinds ...] [--json]
 *
 * Cases are bad-commit / good-commit failure rates, unknown to the strategy.
 * The culprit is drawn uniformly; a session starts as the engine's does (one
 * run at the bad endpoint, one at a good one) and may ask for more good-
 * endpoint runs. Each slot keeps the last commit it built: a rerun there costs
 * one run, any other commit a build (`--build` runs' worth, default 10) plus a
 * run. Ranges of 12,000 commits run `--big-trials` sessions (printed).
 *
 * Per case: accuracy (right culprit, or "no culprit" for none), calibration
 * (accuracy among the sessions that stopped on a culprit at 0.95: must be
 * ≥ 0.95), mean and p95 runs, distinct commits built, cost, rounds (with
 * slots), and the baseline's accuracy and runs. `--exact-slots k` prints
 * instead exact mode's rounds with k slots against ⌈log_(k+1) N⌉ + 1.
 *
 * Targets: 0.8/0.2 N=128: ≥ 96% right with ≤ 40 mean runs; 0.3/0 N=1024:
 * ≥ 99% right with ≤ 80 mean runs; calibration ≥ 0.95 in every case.
 */
import { parseArgs } from 'node:util';
import { createBayesStrategy } from '../server/engine/strategy/bayes';
import { createExactStrategy } from '../server/engine/strategy/exact';
import { linearGraph, mergeGraph, mulberry32, plainBisect, plantCulprit, runSession, type SessionStats } from '../server/engine/strategy/simulate';
import type { RangeGraph } from '../server/engine/strategy/types';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    'big-trials': { type: 'string', default: '100' },
    slots: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '128,1024,12000' },
    kinds: { type: 'string', default: 'linear,merges' },
    cases: { type: 'string', default: '0.8/0.2,0.9/0.1,0.3/0,0.5/0.01' },
    build: { type: 'string', default: '10' },
    'exact-slots': { type: 'string' },
  },
});

const slots = Number(values.slots);
const buildCost = Number(values.build);
const MAX_RUNS = 3000;
const BIG = 12_000;

type Kind = 'linear' | 'merges';

function graphFor(kind: Kind, size: number, trial: number): RangeGraph {
  return kind === 'linear' ? linearGraph(size) : mergeGraph(size, 1 + trial);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

interface CaseRow {
  case: string;
  trials: number;
  accuracy: number;
  calibration: number;
  /** 95% Wilson interval of the calibration (it is a share of `stopped × trials` sessions). */
  calibrationLow: number;
  calibrationHigh: number;
  stopped: number;
  undecided: number;
  meanRuns: number;
  p95Runs: number;
  meanCommits: number;
  cost: number;
  rounds: number;
  baselineAccuracy: number;
  baselineRuns: number;
  runsOverBaseline: number;
  msPerSession: number;
}

function runCase(badFails: number, goodFails: number, size: number, kind: Kind, trials: number): CaseRow {
  const rand = mulberry32(size * 31 + (kind === 'linear' ? 1 : 2));
  const sessions: SessionStats[] = [];
  const baseline: SessionStats[] = [];
  const t0 = performance.now();
  for (let i = 0; i < trials; i++) {
    const graph = graphFor(kind, size, i);
    const truth = plantCulprit(graph, Math.floor(rand() * size), { badFails, goodFails }, 100_000 + i);
    const strategy = createBayesStrategy(graph, { maxRuns: MAX_RUNS, costs: { build: buildCost, run: 1 } });
    sessions.push(runSession(strategy, truth, { slots, checks: true, costs: { build: buildCost, run: 1 } }));
    baseline.push(plainBisect(graph, truth));
  }
  const ms = (performance.now() - t0) / trials;
  const stopped = sessions.filter((s) => s.result.kind === 'culprit');
  const runs = sessions.map((s) => s.runs);
  const calibration = mean(stopped.map((s) => (s.right ? 1 : 0)));
  const [calibrationLow, calibrationHigh] = wilson(calibration, stopped.length);
  return {
    case: `${badFails}/${goodFails} N=${size} ${kind}`,
    trials,
    accuracy: mean(sessions.map((s) => (s.right ? 1 : 0))),
    calibration,
    calibrationLow,
    calibrationHigh,
    stopped: stopped.length / trials,
    undecided: sessions.filter((s) => s.result.kind === 'undecided').length / trials,
    meanRuns: mean(runs),
    p95Runs: quantile(runs, 0.95),
    meanCommits: mean(sessions.map((s) => s.commits)),
    cost: mean(sessions.map((s) => s.cost)),
    rounds: mean(sessions.map((s) => s.rounds)),
    baselineAccuracy: mean(baseline.map((s) => (s.right ? 1 : 0))),
    baselineRuns: mean(baseline.map((s) => s.runs)),
    runsOverBaseline: mean(runs) / mean(baseline.map((s) => s.runs)),
    msPerSession: ms,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** 95% Wilson score interval of a share of n. */
function wilson(share: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.96;
  const centre = (share + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((share * (1 - share)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [centre - half, centre + half];
}

function printHeader(): void {
  console.log(`flaky mode, rates unknown, confidence 0.95, ${slots} slot(s), build = ${buildCost} × run; baseline: plain git bisect on the same streams`);
  console.log(
    ['case'.padEnd(26), 'trials', 'right', 'calib (95% CI)'.padEnd(19), 'stopped', 'runs', 'p95', 'commits', 'cost', ...(slots > 1 ? ['rounds'] : []), 'base right', 'base runs', 'runs/base', 'ms'].join('  '),
  );
}

function printRow(r: CaseRow): void {
  if (values.json) {
    console.log(JSON.stringify(r));
    return;
  }
  const cells = [
    r.case.padEnd(26),
    String(r.trials).padStart(6),
    pct(r.accuracy).padStart(5),
    `${pct(r.calibration)} (${pct(r.calibrationLow)}-${pct(r.calibrationHigh)})`.padEnd(19),
    pct(r.stopped).padStart(7),
    r.meanRuns.toFixed(1).padStart(4),
    String(r.p95Runs).padStart(3),
    r.meanCommits.toFixed(1).padStart(7),
    r.cost.toFixed(0).padStart(4),
    ...(slots > 1 ? [r.rounds.toFixed(1).padStart(6)] : []),
    pct(r.baselineAccuracy).padStart(10),
    r.baselineRuns.toFixed(1).padStart(9),
    `${r.runsOverBaseline.toFixed(2)}x`.padStart(9),
    r.msPerSession.toFixed(1).padStart(6),
  ];
  console.log(cells.join('  '));
}

/** Exact mode with k slots in rounds, a deterministic reproducer, a spread of culprits. */
function exactRounds(k: number): void {
  for (const kind of values.kinds.split(',') as Kind[]) {
    for (const size of values.sizes.split(',').map(Number)) {
      const bound = Math.ceil(Math.log(size) / Math.log(k + 1)) + 1;
      const trials = size >= BIG ? 20 : 200;
      const rounds: number[] = [];
      let right = 0;
      for (let i = 0; i < trials; i++) {
        const graph = graphFor(kind, size, i);
        const truth = plantCulprit(graph, Math.floor((i * size) / trials), { badFails: 1, goodFails: 0 }, i);
        const stats = runSession(createExactStrategy(graph), truth, { slots: k });
        rounds.push(stats.rounds);
        if (stats.right) right++;
      }
      const row = { case: `exact k=${k} N=${size} ${kind}`, trials, maxRounds: Math.max(...rounds), meanRounds: mean(rounds), bound, accuracy: right / trials };
      if (values.json) console.log(JSON.stringify(row));
      else console.log(`${row.case.padEnd(28)} rounds max ${row.maxRounds}, mean ${row.meanRounds.toFixed(2)}, bound ⌈log_${k + 1} N⌉ + 1 = ${bound}, right ${pct(row.accuracy)}`);
    }
  }
}

function main(): void {
  if (values['exact-slots']) {
    exactRounds(Number(values['exact-slots']));
    return;
  }
  if (!values.json) printHeader();
  for (const size of values.sizes.split(',').map(Number)) {
    for (const kind of values.kinds.split(',') as Kind[]) {
      for (const c of values.cases.split(',')) {
        const [badFails, goodFails] = c.split('/').map(Number) as [number, number];
        printRow(runCase(badFails, goodFails, size, kind, Number(size >= BIG ? values['big-trials'] : values.trials)));
      }
    }
  }
}

main();
