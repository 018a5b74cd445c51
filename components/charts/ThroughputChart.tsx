'use client';
import { memo } from 'react';
import { CartesianGrid, Label, Line, LineChart, ReferenceArea, ReferenceDot, XAxis, YAxis } from 'recharts';
import { formatSize } from '@/server/engine/phases/transfer-stats';
import { type ChartCopy, copyMean, currentCopy, downsample, lastProgress, outcomeColor, outcomeLabel, stallWindow, throughputDomain } from './transfer-data';

/** Points drawn per earlier copy (they are background; the running copy is drawn in full). */
const BACKGROUND_POINTS = 240;

interface Props {
  /** The copies of one transfer phase, in order (from the live store or `sessions.samples`). */
  copies: ChartCopy[];
  height?: number;
}

/**
 * Throughput over time of a transfer phase's current copy (bold, accent),
 * earlier copies of the step faded behind it, the stall window shaded from
 * the last progress (a countdown while running; red, with a marker where
 * progress stopped, once a copy stalled). No animation: data arrives 4×/s.
 * Memoised on `copies`, which the store replaces only when it changes.
 */
export const ThroughputChart = memo(function ThroughputChart({ copies, height = 240 }: Props) {
  const current = currentCopy(copies);
  const { xMax, yMax } = throughputDomain(copies, current);
  const stall = current ? stallWindow(current) : null;
  const stallPoint = current && stall?.stalled ? lastProgress(current.samples) : null;
  const previous = copies.filter((c) => c !== current && c.samples.length > 0);
  const now = current?.samples.at(-1);
  return (
    <figure
      className="chart throughput-chart"
      data-testid="throughput-chart"
      data-copy={current?.copy ?? 0}
      data-points={current?.samples.length ?? 0}
      data-copies={copies.length}
      data-state={current?.outcome ?? 'none'}
      aria-label="throughput of the copies over time, in MB/s"
    >
      <figcaption className="chart-caption">
        {current ? (
          <>
            <strong>
              copy {current.copy}/{current.copies}
            </strong>{' '}
            <span style={{ color: outcomeColor(current.outcome) }}>{outcomeLabel(current.outcome)}</span>
            {' · '}
            {formatSize(now?.bytes ?? 0)} of {formatSize(current.payloadBytes)}
            {current.outcome === 'running' && now ? <> · {now.rateMBps.toFixed(1)} MB/s now</> : null}
            {copyMean(current) !== null && <> · mean {copyMean(current)?.toFixed(1)} MB/s</>}
            {' · '}
            <span className="muted">stall window {current.stallSec} s</span>
            {current.detail && <div className="chart-detail">{current.detail}</div>}
          </>
        ) : (
          <span className="muted">No copy has started yet.</span>
        )}
      </figcaption>
      <LineChart responsive style={{ width: '100%', height }} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="t"
          domain={[0, xMax]}
          allowDataOverflow
          stroke="var(--muted)"
          tick={{ fill: 'var(--muted)', fontSize: 12 }}
          tickFormatter={(v: number) => String(Math.round(v * 10) / 10)}
        >
          <Label value="seconds into the copy (s)" position="insideBottom" offset={-14} fill="var(--muted)" fontSize={12} />
        </XAxis>
        <YAxis type="number" domain={[0, yMax]} allowDataOverflow stroke="var(--muted)" tick={{ fill: 'var(--muted)', fontSize: 12 }} width={52}>
          <Label value="MB/s" angle={-90} position="insideLeft" offset={10} fill="var(--muted)" fontSize={12} />
        </YAxis>
        {stall && (
          <ReferenceArea
            x1={stall.x1}
            x2={stall.x2}
            fill={stall.stalled ? 'var(--bad)' : 'var(--skip)'}
            fillOpacity={stall.stalled ? 0.18 : 0.08}
            stroke={stall.stalled ? 'var(--bad)' : 'var(--skip)'}
            strokeOpacity={0.5}
            strokeDasharray="4 3"
            ifOverflow="hidden"
            label={{ value: stall.stalled ? 'no progress' : 'stall window', position: 'insideTopLeft', fill: 'var(--muted)', fontSize: 11 }}
          />
        )}
        {previous.map((c) => (
          <Line
            key={c.copy}
            data={downsample(c.samples, BACKGROUND_POINTS)}
            dataKey="rateMBps"
            type="linear"
            dot={false}
            activeDot={false}
            isAnimationActive={false}
            stroke={c.outcome === 'ok' ? 'var(--muted)' : outcomeColor(c.outcome)}
            strokeOpacity={0.3}
            strokeWidth={1}
            name={`copy ${c.copy}`}
          />
        ))}
        {current && current.samples.length > 0 && (
          <Line
            key={`current-${current.copy}`}
            data={current.samples}
            dataKey="rateMBps"
            type="linear"
            dot={false}
            activeDot={false}
            isAnimationActive={false}
            stroke={current.outcome === 'running' || current.outcome === 'ok' ? 'var(--accent)' : outcomeColor(current.outcome)}
            strokeWidth={2}
            name={`copy ${current.copy}`}
          />
        )}
        {stallPoint && (
          <ReferenceDot
            x={stallPoint.t}
            y={0}
            r={6}
            fill="var(--bad)"
            stroke="var(--bg)"
            ifOverflow="extendDomain"
            label={{ value: `stalled at ${formatSize(stallPoint.bytes)}`, position: 'right', fill: 'var(--bad)', fontSize: 12 }}
          />
        )}
      </LineChart>
    </figure>
  );
});
