import type { SessionDetail } from '../../db/queries/sessions';
import type { BisectHistory } from '../engine/bisect/session';

type Steps = SessionDetail['steps'];

/**
 * What the engine needs to resume a session, derived from its stored steps:
 * the verdicts that still count, in order, and whether the endpoint checks ran.
 * Undefined when nothing was tested yet (the session starts afresh).
 */
export function historyFromSteps(steps: Steps, goodCount: number, checkEndpoints: boolean): BisectHistory | undefined {
  if (steps.length === 0) return undefined;
  const counted = steps.filter((s) => !s.superseded && s.state === 'done' && s.verdict !== null);
  const marks = counted.filter((s) => s.kind === 'bisect').map((s) => ({ sha: s.commit.sha, verdict: s.verdict as 'good' | 'bad' | 'skip' }));
  const checks = counted.filter((s) => s.kind === 'check').length;
  const observations = counted.map((s) => ({ sha: s.commit.sha, verdict: s.verdict as 'good' | 'bad' | 'skip', kind: s.kind }));
  return {
    marks,
    observations,
    nextStep: Math.max(...steps.map((s) => s.step)) + 1,
    checksDone: !checkEndpoints || checks >= 1 + goodCount || marks.length > 0,
  };
}

/** Steps a crashed server left marked as running. */
export function strandedSteps(steps: Steps): number[] {
  return steps.filter((s) => s.state === 'running').map((s) => s.step);
}

/** The step a manual verdict applies to: the latest one, while it has no verdict. */
export function markableStep(steps: Steps): Steps[number] | null {
  const last = steps.at(-1);
  return last && !last.superseded && last.verdict === null && last.state !== 'done' ? last : null;
}

/** Bisect steps after `step` whose verdicts stop counting when `step`'s verdict changes. */
export function stepsAfter(steps: Steps, step: number): number[] {
  return steps.filter((s) => s.step > step && !s.superseded).map((s) => s.step);
}
