'use client';
import { memo, useMemo } from 'react';
import { CartesianGrid, Label, Line, LineChart, ReferenceArea, ReferenceDot, XAxis, YAxis } from 'recharts';
import { formatSize, type TransferSample } from '@/server/engine/phases/transfer-stats';
import { type ChartCopy, copyMean, currentCopy, downsample, lastProgress, outcomeColor, outcomeLabel, stallWindow, throughputDomain } from './transfer-data';

/** Points drawn per earlier copy (they are background; the running copy is drawn in full). */
const BACKGROUND_POINTS = 120;
const MARGIN = { top: 8, right: 16, bottom: 20, left: 8 };
const TICK = { fill: 'var(--muted)', fontSize: 12 };
const secondsTick = (v: number) => String(Math.round(v * 10) / 10);

/** Downsampled samples of finished copies, computed once per (immutable) samples array. */
const backgrounds = new WeakMap<readonly TransferSample[], TransferSample[]>();
function background(samples: readonly TransferSample[]): TransferSample[] {
  let d = backgrounds.get(samples);
  if (!d) backgrounds.set(samples, (d = downsample(samples, BACKGROUND_POINTS)));
  return d;
}

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
  // Recharts re-registers whatever changes identity: keep props stable between renders.
  const style = useMemo(() => ({ width: '100%', height, position: 'relative' as const }), [height]);
  const plotStyle = useMemo(() => ({ position: 'relative' as const, height }), [height]);
  const xDomain = useMemo<[number, number]>(() => [0, xMax], [xMax]);
  const yDomain = useMemo<[number, number]>(() => [0, yMax], [yMax]);
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
      <div className="throughput-plot" style={plotStyle}>
      <BackgroundCopies copies={previous} xDomain={xDomain} yDomain={yDomain} height={height} />
      <LineChart responsive style={style} margin={MARGIN} className="throughput-foreground">
        <XAxis type="number" dataKey="t" domain={xDomain} allowDataOverflow tick={false} axisLine={false} tickLine={false} />
        <YAxis type="number" domain={yDomain} allowDataOverflow tick={false} axisLine={false} tickLine={false} width={52} />
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
            ifOverflow="visible"
            label={{ value: `stalled at ${formatSize(stallPoint.bytes)}`, position: 'right', fill: 'var(--bad)', fontSize: 12 }}
          />
        )}
      </LineChart>
      </div>
    </figure>
  );
});

interface BackgroundProps {
  copies: ChartCopy[];
  xDomain: [number, number];
  yDomain: [number, number];
  height: number;
}

/**
 * The grid, the axes and the step's earlier copies (faded), in a chart of
 * their own under the live one (same margins and axis sizes): it redraws only
 * when a copy finishes or an axis end moves, not on every sample of the
 * running copy, which the live layer on top draws with the stall window.
 */
const BackgroundCopies = memo(
  function BackgroundCopies({ copies, xDomain, yDomain, height }: BackgroundProps) {
    const style = useMemo(() => ({ width: '100%', height, position: 'absolute' as const, inset: 0 }), [height]);
    return (
      <LineChart responsive style={style} margin={MARGIN}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis type="number" dataKey="t" domain={xDomain} allowDataOverflow stroke="var(--muted)" tick={TICK} tickFormatter={secondsTick}>
          <Label value="seconds into the copy (s)" position="insideBottom" offset={-14} fill="var(--muted)" fontSize={12} />
        </XAxis>
        <YAxis type="number" domain={yDomain} allowDataOverflow stroke="var(--muted)" tick={TICK} width={52}>
          <Label value="MB/s" angle={-90} position="insideLeft" offset={10} fill="var(--muted)" fontSize={12} />
        </YAxis>
        {copies.map((c) => (
          <Line
            key={c.copy}
            data={background(c.samples)}
            dataKey="rateMBps"
            type="linear"
            dot={false}
            activeDot={false}
            isAnimationActive={false}
            stroke={c.outcome === 'ok' ? 'var(--muted)' : outcomeColor(c.outcome)}
            strokeOpacity={0.35}
            strokeWidth={1}
            name={`copy ${c.copy}`}
          />
        ))}
      </LineChart>
    );
  },
  (a, b) =>
    a.height === b.height &&
    a.xDomain === b.xDomain &&
    a.yDomain === b.yDomain &&
    a.copies.length === b.copies.length &&
    a.copies.every((c, i) => c === b.copies[i]),
);
