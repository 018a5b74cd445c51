'use client';
import { memo, useMemo } from 'react';
import { CartesianGrid, Cell, Label, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { shortSha } from '@/lib/format';
import { verdictTerm } from '../timeline/format';
import { niceCeil, outcomeLabel, type RatePoint, sessionRatePoints, type SessionStepCopies, verdictColor } from './transfer-data';

const MARGIN = { top: 8, right: 16, bottom: 20, left: 8 };
const TICK = { fill: 'var(--muted)', fontSize: 12 };
const Z_RANGE: [number, number] = [36, 36];

interface Props {
  steps: SessionStepCopies[];
  /** Commits in the range: x runs over the same positions as the timeline above (oldest left). */
  rangeSize: number;
  terms: { old: string; new: string };
  height?: number;
}

/**
 * Every copy's mean rate for each tested commit, placed at the commit's
 * position in the range like the timeline, coloured by the commit's verdict:
 * good and bad commits compare at a glance. Failed copies are crosses.
 */
export const SessionRatesChart = memo(function SessionRatesChart({ steps, rangeSize, terms, height = 200 }: Props) {
  const points = sessionRatePoints(steps);
  const completed = points.filter((p) => p.outcome === 'ok');
  const failed = points.filter((p) => p.outcome !== 'ok');
  const yMax = niceCeil(Math.max(1, ...points.map((p) => p.mean)) * 1.1);
  const style = useMemo(() => ({ width: '100%', height }), [height]);
  const xDomain = useMemo<[number, number]>(() => [0, Math.max(1, rangeSize - 1)], [rangeSize]);
  const yDomain = useMemo<[number, number]>(() => [0, yMax], [yMax]);
  return (
    <figure className="chart session-rates" data-testid="session-rates" data-points={points.length} aria-label="copy rates of each tested commit, in MB/s">
      <ScatterChart responsive style={style} margin={MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="position"
          domain={xDomain}
          stroke="var(--muted)"
          tick={TICK}
          allowDecimals={false}
        >
          <Label value="commit position in the range (oldest → newest)" position="insideBottom" offset={-14} fill="var(--muted)" fontSize={12} />
        </XAxis>
        <YAxis type="number" dataKey="mean" domain={yDomain} stroke="var(--muted)" tick={TICK} width={52}>
          <Label value="MB/s" angle={-90} position="insideLeft" offset={10} fill="var(--muted)" fontSize={12} />
        </YAxis>
        <ZAxis range={Z_RANGE} />
        <Tooltip content={<PointTip terms={terms} />} isAnimationActive={false} />
        <Scatter name="copies" data={completed} isAnimationActive={false} shape="circle">
          {completed.map((p) => (
            <Cell key={`${p.step}-${p.copy}`} fill={verdictColor(p.verdict)} fillOpacity={0.75} />
          ))}
        </Scatter>
        <Scatter name="failed copies" data={failed} isAnimationActive={false} shape="cross">
          {failed.map((p) => (
            <Cell key={`${p.step}-${p.copy}`} fill={verdictColor(p.verdict)} />
          ))}
        </Scatter>
      </ScatterChart>
      <figcaption className="chart-legend">
        <span className="chart-legend-item">
          <span className="chart-swatch" style={{ background: 'var(--good)' }} />
          {terms.old}
        </span>
        <span className="chart-legend-item">
          <span className="chart-swatch" style={{ background: 'var(--bad)' }} />
          {terms.new}
        </span>
        <span className="chart-legend-item">
          <span className="chart-swatch" style={{ background: 'var(--skip)' }} />
          skip
        </span>
        <span className="chart-legend-item">
          <span className="chart-swatch" style={{ background: 'var(--testing)' }} />
          testing
        </span>
        <span className="chart-legend-item muted">● completed copy · ✚ failed copy</span>
      </figcaption>
    </figure>
  );
});

function PointTip({ active, payload, terms }: { active?: boolean; payload?: Array<{ payload?: RatePoint }>; terms: { old: string; new: string } }) {
  const p = payload?.[0]?.payload;
  if (!active || !p) return null;
  const verdict = verdictTerm(p.verdict ?? null, terms);
  return (
    <div className="chart-tooltip">
      <strong>
        step {p.step} · <code>{shortSha(p.sha)}</code>
      </strong>{' '}
      ({verdict})
      <div>{p.subject}</div>
      <div>
        copy {p.copy}: {p.mean.toFixed(1)} MB/s, {outcomeLabel(p.outcome)}
      </div>
    </div>
  );
}
