'use client';
import { shortSha } from '@/lib/format';
import { commitRuns, copyRunPhasesOf, runsLabel } from './commit-runs';
import type { SessionDetailView } from './types';
import { DataTable } from '@/components/ui/DataTable';

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/**
 * Flaky mode: where the culprit probably is (a band over the range), the best
 * commit with its probability, the estimated failure rates, runs so far and
 * left, and every tested commit's runs.
 */
export function StrategyPanel({ detail }: { detail: SessionDetailView }) {
  const s = detail.session;
  const view = s.strategyView;
  if (s.strategy.kind !== 'bayes' || !view) return null;
  const terms = { old: s.termOld, new: s.termNew };
  return (
    <section className="panel strategy-panel" aria-label="posterior" data-testid="strategy-panel">
      <h2>Flaky reproducer: Bayesian verdicts</h2>
      <p data-testid="strategy-best">
        {view.best ? (
          <>
            Likeliest first {terms.new} commit <code>{shortSha(view.best.sha)}</code> at {pct(view.best.probability)} (target{' '}
            {pct(view.confidence ?? 0.95)})
          </>
        ) : (
          'No commit stands out yet'
        )}
        {view.none > 0.01 && <> · no culprit at all: {pct(view.none)}</>}
      </p>
      <p className="muted" data-testid="strategy-rates">
        A {terms.new} commit fails about {pct(view.badFails)} of runs, a {terms.old} one {pct(view.goodFails)} · {view.runs} runs so far
        {s.status === 'running' && <>, about {Math.max(0, Math.round(view.expectedRunsLeft))} left</>}
      </p>
      {s.rangeSize !== null && <PosteriorBand size={s.rangeSize} band={view.band} />}
      <CommitRunsTable detail={detail} terms={terms} />
    </section>
  );
}

/** The posterior mass over the range as bars, oldest commit on the left. */
function PosteriorBand({ size, band }: { size: number; band: Array<[number, number, number]> }) {
  const width = 1000;
  const height = 40;
  const top = Math.max(...band.map(([a, b, m]) => m / Math.max(1, b - a)), 1e-12);
  return (
    <svg className="posterior-band" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="posterior over the range" data-testid="posterior-band">
      {band.map(([a, b, m]) => {
        const h = Math.max(1, (m / Math.max(1, b - a) / top) * height);
        return (
          <rect key={a} x={(a / size) * width} width={Math.max(1, ((b - a) / size) * width)} y={height - h} height={h} className="posterior-band__bar">
            <title>{`positions ${a}–${b - 1}: ${pct(m)}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function CommitRunsTable({ detail, terms }: { detail: SessionDetailView; terms: { old: string; new: string } }) {
  const rows = commitRuns(detail.steps, copyRunPhasesOf(detail.session.recipe));
  if (rows.length === 0) return null;
  return (
    <DataTable className="commit-runs" testId="commit-runs" columns={['position', 'commit', 'runs', 'slots']}>
      {rows.map((c) => (
        <tr key={c.sha} data-testid="commit-runs-row">
          <td>{c.position < 0 ? 'good ref' : c.position}</td>
          <td>
            <code>{shortSha(c.sha)}</code> {c.subject}
          </td>
          <td>{runsLabel(c, terms)}</td>
          <td>{c.slots.map((i) => i + 1).join(', ')}</td>
        </tr>
      ))}
    </DataTable>
  );
}
