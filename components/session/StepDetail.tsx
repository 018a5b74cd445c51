'use client';
import { termFor } from '@/server/engine/bisect/terms';
import { skipToken, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { LogView, type LogPart, type LogTarget } from '@/components/logs/LogView';
import { phaseAnchorName, resolveAnchorPhase, type LineAnchor } from '@/components/logs/permalink';
import { VerdictEditor } from './VerdictEditor';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { useNow } from '@/components/ui/use-now';
import { elapsedMs, formatDuration, shortSha } from '@/lib/format';
import { useTRPC } from '@/lib/trpc';
import type { LogStore } from './log-store';
import { StepConfigPanel } from './StepConfigPanel';
import { TransferPhaseCharts } from './TransferCharts';
import type { TransferStore } from './transfer-store';
import type { PhaseView, StepView } from './types';

interface Props {
  sessionId: string;
  /** Where full phase logs download from (`?step=&phase=` is appended); default the owner's route. */
  logBase?: string;
  step: StepView;
  logs: LogStore;
  logVersion: number;
  terms: { old: string; new: string };
  /** Live copies of transfer phases (graphs shown when the selected phase is a transfer). */
  transfers?: TransferStore;
  /** A line permalink of this step (from the page's URL): its phase is selected and the log opens there. */
  anchor?: LineAnchor | null;
  /** What the step was for, when its commit alone does not say (a verification run). */
  note?: string | undefined;
}

/** One step: its commit, verdict, phases with timings, and its log (every phase a foldable part). */
export function StepDetail({ sessionId, logBase, step, logs, logVersion, terms, transfers, anchor, note }: Props) {
  const running = step.phases.find((p) => p.status === 'running');
  const names = useMemo(() => phaseNames(step.phases), [step.phases]);
  const anchorPhase = anchor ? resolveAnchorPhase(anchor, names) : null;
  const [selected, setSelected] = useState<number | null>(anchorPhase);
  const [focus, setFocus] = useState<{ part: number } | null>(null);
  useEffect(() => setSelected(anchorPhase), [step.step]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (anchorPhase !== null) setSelected(anchorPhase);
  }, [anchor, anchorPhase]);
  const phaseIndex = selected ?? running?.phase ?? step.phases.at(-1)?.phase ?? 0;
  // The owner's page downloads from /api/…; a share link's page (/s/…) has no config or ccache procedures.
  const owner = (logBase ?? '/api/').startsWith('/api/');
  const caches = useBuildCaches(owner ? sessionId : null, step.phases.map((p) => p.status).join(','));
  const phase = step.phases.find((p) => p.phase === phaseIndex);
  const log = logs.get(step.step, phaseIndex);

  // Every phase is a part of the step's log; the picked, the running and failed ones start unfolded.
  const parts = useMemo<LogPart[]>(
    () =>
      step.phases.map((p) => ({
        key: p.phase,
        name: p.name,
        status: p.status,
        ms: p.ms,
        startedAt: p.startedAt,
        lines: logs.get(step.step, p.phase),
        expanded: p.phase === phaseIndex || p.status === 'running' || p.status !== 'passed',
      })),
    // Parts are re-made when a phase changes; their lines are read live (version below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [step.step, JSON.stringify(step.phases.map((p) => [p.phase, p.name, p.status, p.ms, p.startedAt])), logs, phaseIndex],
  );
  void logVersion; // re-render trigger for new lines
  const version = parts.map((p) => `${p.lines.version}`).join(',');
  const base = logBase ?? `/api/sessions/${sessionId}/log`;
  const anchorOf = useCallback((part: LogPart) => `s${step.step}-${phaseAnchorName(names, part.key)}`, [step.step, names]);
  const rawHref = useCallback((part: LogPart) => `${base}?step=${step.step}&phase=${part.key}`, [base, step.step]);
  const target = useMemo<LogTarget | null>(() => {
    if (!anchor || anchorPhase === null) return null;
    const part = parts.findIndex((p) => p.key === anchorPhase);
    return part < 0 ? null : { part, line: anchor.line, endLine: anchor.endLine };
    // Once per anchor: later part changes must not re-apply it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [anchor, anchorPhase, parts.length > 0]);
  const pick = (p: number) => {
    setSelected(p);
    const part = step.phases.findIndex((x) => x.phase === p);
    setFocus({ part });
  };

  return (
    <section className="panel step-detail" aria-label={`step ${step.step}`} data-testid="step-detail">
      <h2>
        Step {step.step}: <code>{shortSha(step.commit.sha)}</code> {step.commit.subject}{' '}
        {step.verdict && <StatusBadge status={step.verdict} label={termFor(step.verdict, terms)} />}
      </h2>
      <p className="muted">
        {step.commit.author || 'author not in the log'}{step.commit.date && <> · {new Date(step.commit.date).toLocaleString()}</>}
        {step.reason && <> · {step.reason}</>}
        {step.manual && <> · verdict given by hand</>}
        {step.state === 'interrupted' && <> · interrupted attempt{step.interruptedBy && <>: {step.interruptedBy}</>}</>}
        {step.superseded && <> · superseded by a changed earlier verdict</>}
      </p>
      {note && (
        <p className="muted" data-testid="step-verify-note">
          {note}
        </p>
      )}
      {step.patches && (
        <p className="muted" data-testid="step-patches">
          Patches:{step.patches.applied.length > 0 && <> applied {step.patches.applied.join(', ')}</>}
          {step.patches.contained.length > 0 && <> · already in this commit {step.patches.contained.join(', ')}</>}
          {step.patches.failed && (
            <>
              {' '}
              · <span className="error-text">{step.patches.failed.patch} does not apply</span>
            </>
          )}
        </p>
      )}
      <VerdictEditor sessionId={sessionId} step={step} terms={terms} />
      <ol className="phase-list">
        {step.phases.map((p) => (
          <PhaseRow
            key={p.phase}
            phase={p}
            cache={caches?.find((c) => c.step === step.step && c.phase === p.phase)}
            selected={p.phase === phaseIndex}
            onSelect={() => pick(p.phase)}
          />
        ))}
      </ol>
      {owner && step.phases.some((p) => p.kind === 'kconfig' && p.status === 'passed') && (
        <StepConfigPanel sessionId={sessionId} step={step.step} version={step.phases.map((p) => p.status).join(',')} />
      )}
      {phase?.kind === 'transfer' && transfers && (
        <TransferPhaseCharts sessionId={sessionId} step={step.step} phase={phase} transfers={transfers} />
      )}
      <div className="log-toolbar">
        <span>{phase?.name ?? 'log'}</span>
        <a href={`${base}?step=${step.step}&phase=${phaseIndex}`} className="btn btn-small" download>
          Download full log
        </a>
      </div>
      <div data-testid="phase-log" data-received-lines={log.count + log.dropped} data-stored-lines={phase?.lineCount ?? 0}>
        <LogView
          parts={parts}
          version={version}
          live={Boolean(running)}
          height={480}
          emptyText="No output yet."
          anchorOf={anchorOf}
          rawHref={rawHref}
          target={target}
          focus={focus}
        />
      </div>
    </section>
  );
}

/** Phase names by phase index (gaps stay empty). */
function phaseNames(phases: readonly PhaseView[]): string[] {
  const names: string[] = [];
  for (const p of phases) names[p.phase] = p.name;
  return Array.from(names, (n) => n ?? '');
}

type BuildCache = { step: number; phase: number; hits: number; misses: number; hitRate: number };

/** ccache's counters of the session's build phases (owner pages only), refreshed when phases change. */
function useBuildCaches(sessionId: string | null, version: string): BuildCache[] | undefined {
  const trpc = useTRPC();
  const q = useQuery(trpc.sessions.buildCaches.queryOptions(sessionId ? { id: sessionId } : skipToken));
  const { refetch } = q;
  useEffect(() => {
    if (sessionId) void refetch();
  }, [version, sessionId, refetch]);
  return q.data;
}

function PhaseRow({ phase, cache, selected, onSelect }: { phase: PhaseView; cache?: BuildCache | undefined; selected: boolean; onSelect: () => void }) {
  const now = useNow(phase.status === 'running');
  const ms = phase.ms ?? elapsedMs(phase.startedAt, now);
  return (
    <li className={selected ? 'phase selected' : 'phase'} data-testid="phase-row" data-status={phase.status}>
      <button type="button" onClick={onSelect} className="phase-button">
        <span className="phase-name">{phase.name}</span>
        <StatusBadge status={phase.status} />
        <span className="muted">
          {phase.on !== 'local' && <>on {phase.on} · </>}
          {formatDuration(ms)}
          {phase.exitCode !== null && <> · exit {phase.exitCode}</>}
          {phase.signal && <> · {phase.signal}</>}
          {phase.reason && phase.outcome !== 'pass' && <> · {phase.reason}</>}
          {cache && (
            <span data-testid="ccache-rate">
              {' '}
              · ccache {(cache.hitRate * 100).toFixed(0)}% hits ({cache.hits}/{cache.hits + cache.misses})
            </span>
          )}
        </span>
      </button>
    </li>
  );
}
