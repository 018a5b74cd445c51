import type { ExitStatus, FailureMeaning, PhaseOutcome, TimeoutMeaning, Verdict } from '../types';
import { assertNever } from '../types';

export interface PhasePolicy {
  onFailure: FailureMeaning;
  onTimeout: TimeoutMeaning;
}

export interface PhaseDecision {
  outcome: PhaseOutcome;
  reason: string;
}

/** `git bisect run`'s rule for one exit code: 0 good, 125 skip, 1-127 bad, else abort. */
export function exitCodeOutcome(code: number): PhaseOutcome {
  if (code === 0) return 'pass';
  if (code === 125) return 'skip';
  if (code >= 1 && code <= 127) return 'bad';
  return 'abort';
}

/**
 * Decides what one phase's exit status means under its policy. Pure: the table
 * test in verdict.test.ts is the specification.
 */
export function decidePhase(status: ExitStatus, policy: PhasePolicy): PhaseDecision {
  switch (status.kind) {
    case 'exited':
      return decideExit(status.code, policy.onFailure);
    case 'signaled':
      // git bisect run sees a signalled script as exit status 128+n: abort.
      return policy.onFailure === 'exitcode'
        ? { outcome: 'abort', reason: `killed by ${status.signal}: git bisect run would abort` }
        : { outcome: failureOutcome(policy.onFailure), reason: `killed by ${status.signal}` };
    case 'timedOut':
      return { outcome: policy.onTimeout, reason: `timed out after ${Math.round(status.afterMs / 1000)} s` };
    case 'cancelled':
      return { outcome: 'abort', reason: 'cancelled' };
    default:
      return assertNever(status);
  }
}

function decideExit(code: number, onFailure: FailureMeaning): PhaseDecision {
  if (code === 0) return { outcome: 'pass', reason: 'exit 0' };
  if (onFailure !== 'exitcode') return { outcome: failureOutcome(onFailure), reason: `exit ${code}` };
  const outcome = exitCodeOutcome(code);
  if (outcome === 'abort') {
    return { outcome, reason: `exit ${code}: codes below 0 or above 127 abort the bisect, as git bisect run does` };
  }
  return { outcome, reason: outcome === 'skip' ? 'exit 125: skip' : `exit ${code}` };
}

function failureOutcome(meaning: Exclude<FailureMeaning, 'exitcode'>): PhaseOutcome {
  return meaning;
}

export type StepDecision =
  | { kind: 'verdict'; verdict: Verdict; reason: string }
  | { kind: 'abort'; reason: string };

/**
 * Combines the phases of one step, in order: the first phase that does not pass
 * decides; every phase passing means good (git's old term).
 */
export function decideStep(phases: Array<PhaseDecision & { name: string }>): StepDecision {
  for (const p of phases) {
    switch (p.outcome) {
      case 'pass':
        continue;
      case 'bad':
        return { kind: 'verdict', verdict: 'bad', reason: `${p.name}: ${p.reason}` };
      case 'skip':
        return { kind: 'verdict', verdict: 'skip', reason: `${p.name}: ${p.reason}` };
      case 'abort':
        return { kind: 'abort', reason: `${p.name}: ${p.reason}` };
      default:
        return assertNever(p.outcome);
    }
  }
  return { kind: 'verdict', verdict: 'good', reason: 'all phases passed' };
}
