import type { SessionDetail } from '../../db/queries/sessions';
import type { BisectHistory } from '../engine/bisect/session';

type Steps = SessionDetail['steps'];

/**
 * What the engine needs to resume a session, derived from its stored steps:
 * the verdicts that still count, in order, and whether the endpoint checks ran.
 * Undefined when nothing was tested yet (the session starts afresh).
 */
export function historyFromSteps(
  steps: Steps,
  goodCount: number,
  checkEndpoints: boolean,
  /** Transfer phases whose copies are runs (flaky mode): their finished copies are the step's observations. */
  copyRunPhases: ReadonlySet<number> = new Set(),
): BisectHistory | undefined {
  if (steps.length === 0) return undefined;
  const counted = steps.filter((s) => !s.superseded && s.state === 'done' && s.verdict !== null);
  const marks = counted.filter((s) => s.kind === 'bisect').map((s) => ({ sha: s.commit.sha, verdict: s.verdict as 'good' | 'bad' | 'skip' }));
  const checks = counted.filter((s) => s.kind === 'check').length;
  const observations = steps.flatMap((s) => stepObservations(s, copyRunPhases));
  return {
    marks,
    observations,
    nextStep: Math.max(...steps.map((s) => s.step)) + 1,
    checksDone: !checkEndpoints || checks >= 1 + goodCount || marks.length > 0,
  };
}

type Observation = NonNullable<BisectHistory['observations']>[number];

/**
 * The runs a stored step counts for: each finished copy of a copies-are-runs
 * transfer (also of a step cut off later, as the engine counted them live), or
 * else its verdict once it is done.
 */
export function stepObservations(s: Steps[number], copyRunPhases: ReadonlySet<number>): Observation[] {
  // Verification runs (after the culprit was found) are never observations of the bisect.
  if (s.superseded || s.kind === 'verify') return [];
  const copies = s.phases.filter((p) => copyRunPhases.has(p.phase)).flatMap((p) => p.copies ?? []);
  const kind = s.kind === 'check' ? 'check' : 'bisect';
  if (copies.length > 0) return copies.map((c) => ({ sha: s.commit.sha, verdict: c.outcome === 'ok' ? 'good' : 'bad', kind }));
  if (s.state !== 'done' || s.verdict === null) return [];
  return [{ sha: s.commit.sha, verdict: s.verdict, kind }];
}

/** Steps a crashed server left marked as running. */
export function strandedSteps(steps: Steps): number[] {
  return steps.filter((s) => s.state === 'running').map((s) => s.step);
}

/** The step a manual verdict applies to: the latest one, while it has no verdict. */
export function markableStep(steps: Steps): Steps[number] | null {
  const last = steps.at(-1);
  // A verification run (after the culprit was found) is the engine's check, not a verdict to give.
  return last && last.kind !== 'verify' && !last.superseded && last.verdict === null && last.state !== 'done' ? last : null;
}

/** Bisect steps after `step` whose verdicts stop counting when `step`'s verdict changes. */
export function stepsAfter(steps: Steps, step: number): number[] {
  return steps.filter((s) => s.step > step && !s.superseded).map((s) => s.step);
}
