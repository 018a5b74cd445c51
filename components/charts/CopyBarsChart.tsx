'use client';
import { memo, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Label, Tooltip, XAxis, YAxis } from 'recharts';
import { type ChartCopy, type CopyBar, copyBars, niceCeil, outcomeColor, outcomeLabel } from './transfer-data';

const LEGEND: Array<CopyBar['outcome']> = ['ok', 'running', 'stalled', 'timedOut', 'connectionError', 'sinkError', 'notRun'];
const MARGIN = { top: 8, right: 16, bottom: 20, left: 8 };
const TICK = { fill: 'var(--muted)', fontSize: 12 };
const CURSOR = { fill: 'var(--bg-panel)' };

/**
 * One bar per copy of a transfer phase: its mean rate, coloured by outcome,
 * so the copy that hung stands out; copies never attempted after it are
 * listed without a bar.
 */
export const CopyBarsChart = memo(function CopyBarsChart({ copies, height = 170 }: { copies: ChartCopy[]; height?: number }) {
  const bars = copyBars(copies);
  const yMax = niceCeil(Math.max(1, ...bars.map((b) => b.mean ?? 0)) * 1.1);
  const seen = new Set(bars.map((b) => b.outcome));
  const style = useMemo(() => ({ width: '100%', height }), [height]);
  const yDomain = useMemo<[number, number]>(() => [0, yMax], [yMax]);
  return (
    <figure className="chart copy-bars" data-testid="copy-bars" title="mean rate of each copy" data-bars={bars.filter((b) => b.mean !== null).length} aria-label="mean rate of each copy, in MB/s">
      <BarChart responsive style={style} data={bars} margin={MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="copy" stroke="var(--muted)" tick={TICK} interval={bars.length > 20 ? 'preserveStartEnd' : bars.length > 10 ? 1 : 0}>
          <Label value="copy" position="insideBottom" offset={-14} fill="var(--muted)" fontSize={12} />
        </XAxis>
        <YAxis domain={yDomain} stroke="var(--muted)" tick={TICK} width={52}>
          <Label value="MB/s" angle={-90} position="insideLeft" offset={10} fill="var(--muted)" fontSize={12} />
        </YAxis>
        <Tooltip cursor={CURSOR} content={BAR_TIP} isAnimationActive={false} />
        <Bar dataKey="mean" isAnimationActive={false} minPointSize={2}>
          {bars.map((b) => (
            <Cell key={b.copy} fill={outcomeColor(b.outcome)} data-outcome={b.outcome} />
          ))}
        </Bar>
      </BarChart>
      <figcaption className="chart-legend">
        {LEGEND.filter((o) => seen.has(o)).map((o) => (
          <span key={o} className="chart-legend-item">
            <span className="chart-swatch" style={{ background: outcomeColor(o) }} />
            {outcomeLabel(o)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
});

function BarTip({ active, payload }: { active?: boolean; payload?: Array<{ payload?: CopyBar }> }) {
  const b = payload?.[0]?.payload;
  if (!active || !b) return null;
  return (
    <div className="chart-tooltip">
      <strong>copy {b.copy}</strong>: {outcomeLabel(b.outcome)}
      {b.mean !== null && <> · {b.mean.toFixed(1)} MB/s</>}
      {b.detail && <div>{b.detail}</div>}
    </div>
  );
}

const BAR_TIP = <BarTip />;
