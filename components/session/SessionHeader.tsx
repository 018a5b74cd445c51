'use client';
import { shortSha } from '@/lib/format';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { SessionControls } from './SessionControls';
import type { SessionDetailView } from './types';

/** Title, status, what is being bisected, and the session controls (none when `readOnly`: share links). */
export function SessionHeader({ detail, readOnly = false }: { detail: SessionDetailView; readOnly?: boolean }) {
  const { session: s } = detail;
  return (
    <header className="session-header">
      <div className="session-title-row">
        <h1 data-testid="session-title">{s.title}</h1>
        <StatusBadge status={s.status} />
      </div>
      {!readOnly && <SessionControls detail={detail} />}
      <dl className="session-facts">
        <dt>Repository</dt>
        <dd>
          <code>{s.repoPath}</code>
        </dd>
        <dt>{s.termNew}</dt>
        <dd>
          <code>{s.bad}</code> <span className="muted">{shortSha(s.badSha)}</span>
        </dd>
        <dt>{s.termOld}</dt>
        <dd>
          {s.good.map((g, i) => (
            <span key={g} className="ref">
              <code>{g}</code> <span className="muted">{shortSha(s.goodShas[i])}</span>
            </span>
          ))}
        </dd>
        {s.firstParent && (
          <>
            <dt>Options</dt>
            <dd>--first-parent</dd>
          </>
        )}
        {!readOnly && 'runner' in detail && detail.runner && s.status === 'running' && (
          <>
            <dt>Runner</dt>
            <dd data-testid="session-runner">
              {detail.runner.name}
              {detail.runner.since && <span className="muted"> since {new Date(detail.runner.since).toLocaleString()}</span>}
            </dd>
          </>
        )}
        {s.strategy.kind === 'bayes' && (
          <>
            <dt>Verdicts</dt>
            <dd>flaky reproducer (Bayes, target {s.strategyView?.confidence ?? 0.95})</dd>
          </>
        )}
        {s.slots && (
          <>
            <dt>Slots</dt>
            <dd>{s.slots.length}</dd>
          </>
        )}
        {s.paths.length > 0 && (
          <>
            <dt>Paths</dt>
            <dd>
              <code>{s.paths.join(' ')}</code>
            </dd>
          </>
        )}
      </dl>
      {s.error && (
        <p className="error-text" role="alert" data-testid="session-error">
          {s.error}
        </p>
      )}
    </header>
  );
}
