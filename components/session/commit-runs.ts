import type { StepView } from './types';

/** One tested commit with its runs so far (flaky mode: a commit is run many times). */
export interface CommitRuns {
  sha: string;
  subject: string;
  position: number;
  fail: number;
  pass: number;
  skip: number;
  slots: number[];
}

/**
 * Groups the runs that count by commit, oldest position first; endpoint checks
 * included. A step is one run, or, for transfer phases whose copies are runs,
 * one run per finished copy (as the engine counts them).
 */
export function commitRuns(steps: readonly StepView[], copyRunPhases: ReadonlySet<number> = new Set()): CommitRuns[] {
  const byCommit = new Map<string, CommitRuns>();
  for (const s of steps) {
    const verdicts = runVerdicts(s, copyRunPhases);
    if (verdicts.length === 0) continue;
    const c = byCommit.get(s.commit.sha) ?? { sha: s.commit.sha, subject: s.commit.subject, position: s.position, fail: 0, pass: 0, skip: 0, slots: [] };
    for (const v of verdicts) {
      if (v === 'bad') c.fail++;
      else if (v === 'good') c.pass++;
      else c.skip++;
    }
    if (s.slot !== null && !c.slots.includes(s.slot)) c.slots.push(s.slot);
    byCommit.set(s.commit.sha, c);
  }
  return [...byCommit.values()].sort((a, b) => a.position - b.position);
}

function runVerdicts(s: StepView, copyRunPhases: ReadonlySet<number>): Array<'good' | 'bad' | 'skip'> {
  if (s.superseded) return [];
  const copies = s.phases.filter((p) => copyRunPhases.has(p.phase)).flatMap((p) => ('copies' in p && p.copies ? p.copies : []));
  if (copies.length > 0) return copies.map((c) => (c.outcome === 'ok' ? 'good' : 'bad'));
  return s.state === 'done' && s.verdict !== null ? [s.verdict] : [];
}

/** Transfer phases of a recipe whose copies are runs. */
export function copyRunPhasesOf(recipe: { phases?: unknown } | null | undefined): Set<number> {
  const phases = Array.isArray(recipe?.phases) ? (recipe.phases as Array<{ kind?: unknown; copiesAreRuns?: unknown }>) : [];
  return new Set(phases.flatMap((p, i) => (p.kind === 'transfer' && p.copiesAreRuns === true ? [i] : [])));
}

/** `3 fail / 1 pass` in the session's terms. */
export function runsLabel(c: CommitRuns, terms: { old: string; new: string }): string {
  const parts = [`${c.fail} ${terms.new}`, `${c.pass} ${terms.old}`];
  if (c.skip > 0) parts.push(`${c.skip} skip`);
  return parts.join(' / ');
}
