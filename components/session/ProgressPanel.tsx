'use client';
import { estimateRemainingMs, formatDuration, shortSha } from '@/lib/format';
import { useNow } from '@/components/ui/use-now';
import type { SessionDetailView } from './types';

/** What the bisect is doing now: current commit and phase, revisions left, ETA. */
export function ProgressPanel({ detail }: { detail: SessionDetailView }) {
  const { session: s, steps } = detail;
  const running = s.status === 'running';
  const now = useNow(running);
  const active = running ? steps.filter((st) => st.verdict === null && st.state === 'running') : [];
  const current = active.at(-1);
  const phase = current?.phases.findLast((p) => p.status === 'running');
  const finished = steps.filter((st) => st.ms !== null).map((st) => st.ms as number);
  const elapsed = current ? now - new Date(current.startedAt).getTime() : null;
  const eta = running ? estimateRemainingMs(finished, current ? current.stepsLeft : (s.stepsLeft ?? 0), elapsed) : null;
  const revisions = current?.revisionsLeft ?? s.revisionsLeft;
  const stepsLeft = current?.stepsLeft ?? s.stepsLeft;
  return (
    <section className="panel progress-panel" aria-label="progress" data-testid="progress">
      {active.length > 1 ? (
        <ul className="slot-list" data-testid="running-slots">
          {active.map((st) => (
            <li key={st.step} data-testid="running-slot">
              <strong>Slot {(st.slot ?? 0) + 1}</strong>: step {st.step} testing <code>{shortSha(st.commit.sha)}</code> {st.commit.subject}
            </li>
          ))}
        </ul>
      ) : current ? (
        <p>
          <strong>Step {current.step}</strong>: testing <code>{shortSha(current.commit.sha)}</code> {current.commit.subject}
          {phase && (
            <>
              {' '}
              — <span data-testid="current-phase">{phase.name}</span> running for{' '}
              {formatDuration(Math.max(0, now - new Date(phase.startedAt).getTime()))}
            </>
          )}
        </p>
      ) : (
        <p>
          {running
            ? 'Preparing the worktree…'
            : s.status === 'paused'
              ? `Paused after ${steps.filter((st) => st.state === 'done').length} steps: resume to go on.`
              : `${steps.filter((st) => st.state === 'done').length} steps tested`}
        </p>
      )}
      {revisions !== null && running && (
        <p data-testid="revisions-left">
          Bisecting: {revisions} revision{revisions === 1 ? '' : 's'} left to test after this (roughly {stepsLeft} step
          {stepsLeft === 1 ? '' : 's'})
          {eta !== null && <> · ETA {formatDuration(eta)}</>}
        </p>
      )}
      {s.rangeSize !== null && !(s.origin === 'import' && !s.repoPath) && <p className="muted">{s.rangeSize} commits in the range</p>}
    </section>
  );
}
