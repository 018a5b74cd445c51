'use client';
import { useEffect, useState } from 'react';
import { useLineAnchor } from '@/components/logs/use-line-anchor';
import { CommitTimeline, type TimelineStep } from '@/components/timeline/CommitTimeline';
import { StepList } from '@/components/timeline/StepList';
import { BisectLogPanel } from './BisectLogPanel';
import { ProgressPanel } from './ProgressPanel';
import { ResultPanel } from './ResultPanel';
import { StrategyPanel } from './StrategyPanel';
import { SessionChain } from './SessionChain';
import { SessionHeader } from './SessionHeader';
import { StepDetail } from './StepDetail';
import { SessionTransferChart } from './TransferCharts';
import type { SessionDetailView } from './types';
import { ImportedNote } from './ImportedNote';
import { SessionReadOnlyContext } from './mode';
import { SessionActions } from './SessionActions';
import { SessionNotifier } from '@/components/notifications/SessionNotifier';
import { useSessionKeys } from './use-session-keys';
import { useSessionLive, type SessionSource } from './use-session-live';

type SessionViewProps = { id: string } | { source: SessionSource; readOnly?: boolean };

/**
 * The live page of one bisect session: the owner's (by id), or a share link's
 * (`source` of kind `share`), which is read-only: no control is rendered.
 * Controls inside read `useSessionReadOnly()` (./mode), which the share page provides.
 */
export function SessionView(props: SessionViewProps) {
  const source: SessionSource = 'source' in props ? props.source : { kind: 'owner', id: props.id };
  const readOnly = 'source' in props ? (props.readOnly ?? source.kind === 'share') : false;
  const id = source.kind === 'owner' ? source.id : '';
  const logBase = source.kind === 'owner' ? `/api/sessions/${source.id}/log` : `/s/${source.token}/log`;
  const { detail, logs, logVersion, transfers, connection } = useSessionLive(source);
  const [selectedStep, setSelectedStep] = useState<number | null>(null);
  // A line permalink (#s3-build-L1204) selects its step; StepDetail opens the log there.
  const anchor = useLineAnchor();
  useEffect(() => {
    if (anchor) setSelectedStep(anchor.step);
  }, [anchor]);
  useSessionKeys({
    steps: detail.data?.steps.map((s) => s.step) ?? [],
    current: selectedStep ?? detail.data?.steps.at(-1)?.step ?? null,
    select: setSelectedStep,
    culpritStep: detail.data ? culpritStep(detail.data) : null,
  });
  if (detail.isPending) return <p>Loading…</p>;
  if (detail.error) return <p className="error-text" role="alert">{detail.error.message}</p>;
  const d = detail.data;
  const terms = { old: d.session.termOld, new: d.session.termNew };
  const step = d.steps.find((s) => s.step === selectedStep) ?? d.steps.at(-1);
  const view = (
    <div className="session-view" data-testid="session-view" data-status={d.session.status} data-readonly={readOnly || undefined}>
      <SessionHeader detail={d} readOnly={readOnly} />
      {!readOnly && source.kind === 'owner' && <SessionActions sessionId={source.id} detail={d} />}
      {!readOnly && source.kind === 'owner' && <SessionNotifier session={d.session} />}
      {d.session.origin === 'import' && <ImportedNote detail={d} />}
      {d.session.status === 'running' && connection !== 'pending' && (
        <p className="muted" data-testid="connection">
          live stream: {connection}
        </p>
      )}
      <ProgressPanel detail={d} />
      <ResultPanel detail={d} />
      {'children' in d && <SessionChain detail={d} readOnly={readOnly} />}
      {d.session.rangeSize !== null && (
        <section className="panel" aria-label="timeline">
          <CommitTimeline
            size={d.session.rangeSize}
            initialSuspect={d.session.initialSuspect ?? []}
            steps={timelineSteps(d)}
            culpritPosition={culpritPosition(d)}
            terms={terms}
            selectedStep={step?.step ?? null}
            onSelectStep={setSelectedStep}
          />
        </section>
      )}
      <StrategyPanel detail={d} />
      <SessionTransferChart detail={d} />
      <div className="session-columns">
        <section className="panel step-list-panel" aria-label="steps">
          <StepList
            steps={stepListItems(d)}
            terms={terms}
            selectedStep={step?.step ?? null}
            onSelectStep={setSelectedStep}
          />
          <p className="muted keys-hint" data-testid="keys-hint">
            Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous step · <kbd>/</kbd> search the log · <kbd>g</kbd> the culprit
          </p>
        </section>
        {step && (
          <StepDetail
            key={step.step}
            sessionId={id}
            logBase={logBase}
            step={step}
            note={verifyNote(d, step)}
            logs={logs}
            logVersion={logVersion}
            terms={terms}
            transfers={transfers}
            anchor={anchor?.step === step.step ? anchor : null}
          />
        )}
      </div>
      <BisectLogPanel log={d.session.bisectLog} />
    </div>
  );
  // Imported sessions have nothing to run: their run controls are off on the owner's page too.
  return <SessionReadOnlyContext.Provider value={readOnly || d.session.origin === 'import'}>{view}</SessionReadOnlyContext.Provider>;
}

/** The timeline shows the bisect steps that count: no endpoint checks, interrupted or superseded attempts. */
function timelineSteps(d: SessionDetailView): TimelineStep[] {
  return d.steps.filter((s) => s.kind === 'bisect' && !s.superseded && s.state !== 'interrupted').map(toTimelineStep);
}

function toTimelineStep(s: SessionDetailView['steps'][number]): TimelineStep {
  return {
    step: s.step,
    sha: s.commit.sha,
    subject: s.commit.subject,
    position: s.position,
    verdict: s.verdict,
    suspect: s.suspect,
  };
}

/** Every step, with what makes it special spelled out. */
function stepListItems(d: SessionDetailView) {
  return d.steps.map((s) => {
    const notes: string[] = [];
    if (s.kind === 'check') notes.push(`check ${s.expect === 'good' ? d.session.termOld : d.session.termNew}`);
    if (s.kind === 'verify') notes.push(s.commit.sha === d.session.badSha ? 'verify (culprit reverted)' : 'verify (parent)');
    if (s.manual) notes.push('manual');
    if (s.state === 'interrupted') notes.push('interrupted');
    if (s.superseded) notes.push('superseded');
    if (s.slot !== null && d.session.slots) notes.push(`slot ${s.slot + 1}`);
    return { ...toTimelineStep(s), ms: s.ms, notes, muted: s.superseded || s.state === 'interrupted' };
  });
}

/** What a verification step ran (the step's commit alone would read as a plain test of it). */
function verifyNote(d: SessionDetailView, s: SessionDetailView['steps'][number]): string | undefined {
  if (s.kind !== 'verify') return undefined;
  const culprit = d.session.result?.kind === 'culprit' ? ` ${d.session.result.commit.sha.slice(0, 12)}` : '';
  return s.commit.sha === d.session.badSha
    ? `Verification run: the ${d.session.termNew} commit with the culprit${culprit} reverted (git revert --no-commit)`
    : `Verification run: the culprit's parent, tested again`;
}

/** The step that tested the culprit (the last one, if tested more than once). */
function culpritStep(d: SessionDetailView): number | null {
  if (d.session.result?.kind !== 'culprit') return null;
  const sha = d.session.result.commit.sha;
  return d.steps.findLast((s) => s.commit.sha === sha)?.step ?? null;
}

/** After a found culprit, the last step's suspect range is exactly that commit. */
function culpritPosition(d: SessionDetailView): number | null {
  if (d.session.result?.kind !== 'culprit') return null;
  const sha = d.session.result.commit.sha;
  const tested = d.steps.find((s) => s.commit.sha === sha);
  if (tested) return tested.position;
  const last = d.steps.at(-1)?.suspect;
  return last?.length === 1 && last[0] && last[0][1] - last[0][0] === 1 ? last[0][0] : null;
}
