'use client';
import { useEffect, useState } from 'react';
import { LogView } from '@/components/logs/LogView';
import { VerdictEditor } from './VerdictEditor';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { useNow } from '@/components/ui/use-now';
import { formatDuration, shortSha } from '@/lib/format';
import type { LogStore } from './log-store';
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
}

/** One step: its commit, verdict, phases with timings, and the selected phase's log. */
export function StepDetail({ sessionId, logBase, step, logs, logVersion, terms, transfers }: Props) {
  const running = step.phases.find((p) => p.status === 'running');
  const [selected, setSelected] = useState<number | null>(null);
  useEffect(() => setSelected(null), [step.step]);
  const phaseIndex = selected ?? running?.phase ?? step.phases.at(-1)?.phase ?? 0;
  const log = logs.get(step.step, phaseIndex);
  const phase = step.phases.find((p) => p.phase === phaseIndex);
  void logVersion; // re-render trigger for new lines
  return (
    <section className="panel step-detail" aria-label={`step ${step.step}`} data-testid="step-detail">
      <h2>
        Step {step.step}: <code>{shortSha(step.commit.sha)}</code> {step.commit.subject}{' '}
        {step.verdict && <StatusBadge status={step.verdict} label={step.verdict === 'skip' ? 'skip' : step.verdict === 'good' ? terms.old : terms.new} />}
      </h2>
      <p className="muted">
        {step.commit.author || 'author not in the log'}{step.commit.date && <> · {new Date(step.commit.date).toLocaleString()}</>}
        {step.reason && <> · {step.reason}</>}
        {step.manual && <> · verdict given by hand</>}
        {step.state === 'interrupted' && <> · interrupted attempt{step.interruptedBy && <>: {step.interruptedBy}</>}</>}
        {step.superseded && <> · superseded by a changed earlier verdict</>}
      </p>
      <VerdictEditor sessionId={sessionId} step={step} terms={terms} />
      <ol className="phase-list">
        {step.phases.map((p) => (
          <PhaseRow key={p.phase} phase={p} selected={p.phase === phaseIndex} onSelect={() => setSelected(p.phase)} />
        ))}
      </ol>
      {phase?.kind === 'transfer' && transfers && (
        <TransferPhaseCharts sessionId={sessionId} step={step.step} phase={phase} transfers={transfers} />
      )}
      <div className="log-toolbar">
        <span>{phase?.name ?? 'log'}</span>
        <a href={`${logBase ?? `/api/sessions/${sessionId}/log`}?step=${step.step}&phase=${phaseIndex}`} className="btn btn-small" download>
          Download full log
        </a>
      </div>
      <div data-testid="phase-log" data-received-lines={log.lines.length + log.dropped} data-stored-lines={phase?.lineCount ?? 0}>
        <LogView lines={log.lines} droppedLines={log.dropped} follow={Boolean(running)} height={420} emptyText="No output yet." />
      </div>
    </section>
  );
}

function PhaseRow({ phase, selected, onSelect }: { phase: PhaseView; selected: boolean; onSelect: () => void }) {
  const now = useNow(phase.status === 'running');
  const ms = phase.ms ?? now - new Date(phase.startedAt).getTime();
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
        </span>
      </button>
    </li>
  );
}
