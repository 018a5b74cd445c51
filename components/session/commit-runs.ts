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

/** Groups the steps that count by commit, oldest position first; endpoint checks included. */
export function commitRuns(steps: readonly StepView[]): CommitRuns[] {
  const byCommit = new Map<string, CommitRuns>();
  for (const s of steps) {
    if (s.superseded || s.state !== 'done' || s.verdict === null) continue;
    const c = byCommit.get(s.commit.sha) ?? { sha: s.commit.sha, subject: s.commit.subject, position: s.position, fail: 0, pass: 0, skip: 0, slots: [] };
    if (s.verdict === 'bad') c.fail++;
    else if (s.verdict === 'good') c.pass++;
    else c.skip++;
    if (s.slot !== null && !c.slots.includes(s.slot)) c.slots.push(s.slot);
    byCommit.set(s.commit.sha, c);
  }
  return [...byCommit.values()].sort((a, b) => a.position - b.position);
}

/** `3 fail / 1 pass` in the session's terms. */
export function runsLabel(c: CommitRuns, terms: { old: string; new: string }): string {
  const parts = [`${c.fail} ${terms.new}`, `${c.pass} ${terms.old}`];
  if (c.skip > 0) parts.push(`${c.skip} skip`);
  return parts.join(' / ');
}
