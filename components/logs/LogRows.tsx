'use client';

import { memo, useMemo, type CSSProperties, type MouseEvent } from 'react';
import { parseAnsi, truncateSpans } from '@/lib/ansi';
import { elapsedMs, formatClockTime, formatDuration } from '@/lib/format';
import { useNow } from '@/components/ui/use-now';
import { spanStyle } from './ansi-text';
import { markSpans } from './highlight';
import { sectionSeconds, type LogSection } from './sections';

/** Visible characters rendered per line; the rest is summarised. */
export const LOG_MAX_LINE_CHARS = 10_000;

interface RowBase {
  /** Row index, for measuring wrapped rows. */
  row: number;
  top: number;
}

export interface LineRowProps extends RowBase {
  text: string;
  stderr: boolean;
  /** Absolute line number in its phase (1-based). */
  number: number;
  /** `#…` permalink of the line. */
  href: string;
  /** When the line was stored, shown when timestamps are on (null: unknown). */
  time: number | null;
  showTime: boolean;
  /** Search matches on the line ([start, end) in its visible text) and which one is current (-1: none). */
  ranges: ReadonlyArray<readonly [number, number]> | null;
  current: number;
  /** Part of the highlighted (linked) lines. */
  highlighted: boolean;
  depth: number;
  onNumberClick(event: MouseEvent<HTMLAnchorElement>, row: number): void;
}

function Gutter({ number, href, time, showTime, row, onNumberClick }: Pick<LineRowProps, 'number' | 'href' | 'time' | 'showTime' | 'row' | 'onNumberClick'>) {
  return (
    <span className="log-line__gutter">
      <a className="log-line__number" href={href} onClick={(e) => onNumberClick(e, row)} data-testid="log-line-number" tabIndex={-1}>
        {number}
      </a>
      {showTime && (
        <span className="log-line__time" title={time === null ? 'time not recorded' : new Date(time).toISOString()} data-testid="log-line-time">
          {time === null ? '' : formatClockTime(time)}
        </span>
      )}
    </span>
  );
}

/** One line of output: number (a permalink), optional time, ANSI-styled text with search marks. */
export const LogLineRow = memo(function LogLineRow(p: LineRowProps) {
  const spans = useMemo(() => {
    const { spans: kept, omitted } = truncateSpans(parseAnsi(p.text), LOG_MAX_LINE_CHARS);
    return { marked: p.ranges ? markSpans(kept, p.ranges, p.current) : kept, omitted };
  }, [p.text, p.ranges, p.current]);
  const classes = ['log-line'];
  if (p.stderr) classes.push('log-line--stderr');
  if (p.highlighted) classes.push('log-line--highlighted');
  return (
    <div
      data-testid="log-line"
      data-row={p.row}
      data-line={p.number}
      data-stream={p.stderr ? 'stderr' : 'stdout'}
      className={classes.join(' ')}
      style={rowStyle(p.top, p.depth)}
    >
      <Gutter {...p} />
      <span className="log-line__text">
        {spans.marked.map((span, i) => (
          <span
            key={i}
            style={spanStyle(span)}
            className={'mark' in span && span.mark ? `log-mark log-mark--${span.mark}` : undefined}
            data-testid={'mark' in span && span.mark === 'current' ? 'log-match-current' : undefined}
          >
            {span.text}
          </span>
        ))}
        {spans.omitted > 0 && <span className="ansi-text__omitted">{` … ${spans.omitted.toLocaleString('en-US')} more characters`}</span>}
      </span>
    </div>
  );
});

export interface SectionRowProps extends Omit<LineRowProps, 'text'> {
  section: LogSection;
  expanded: boolean;
  /** Lines inside the section (excluding its markers). */
  size: number;
  onToggle(row: number): void;
}

/** A GitLab-style section's start line: a fold toggle, its title and how long it took. */
export const SectionRow = memo(function SectionRow(p: SectionRowProps) {
  const title = useMemo(() => {
    const { spans } = truncateSpans(parseAnsi(p.section.title), 500);
    return p.ranges ? markSpans(spans, p.ranges, p.current) : spans;
  }, [p.section.title, p.ranges, p.current]);
  const seconds = sectionSeconds(p.section);
  const classes = ['log-line', 'log-section'];
  if (p.highlighted) classes.push('log-line--highlighted');
  return (
    <div
      data-testid="log-section"
      data-row={p.row}
      data-line={p.number}
      data-section={p.section.name}
      data-expanded={p.expanded}
      className={classes.join(' ')}
      style={rowStyle(p.top, p.depth)}
    >
      <Gutter {...p} />
      <button type="button" className="log-fold" aria-expanded={p.expanded} onClick={() => p.onToggle(p.row)} data-testid="log-fold">
        <span className="log-fold__chevron" aria-hidden="true">
          {p.expanded ? '▾' : '▸'}
        </span>
        <span className="log-section__title">
          {title.map((span, i) => (
            <span key={i} style={spanStyle(span)} className={'mark' in span && span.mark ? `log-mark log-mark--${span.mark}` : undefined}>
              {span.text}
            </span>
          ))}
        </span>
        <span className="log-section__meta" data-testid="log-section-duration">
          {seconds === null ? 'running' : formatDuration(seconds * 1000)}
          {!p.expanded && ` · ${p.size.toLocaleString('en-US')} ${p.size === 1 ? 'line' : 'lines'}`}
        </span>
      </button>
    </div>
  );
});

export interface PartHeaderProps extends RowBase {
  name: string;
  status: string;
  ms: number | null;
  startedAt: string | number | Date | null;
  lines: number;
  expanded: boolean;
  rawHref: string | null;
  onToggle(row: number): void;
}

/** A phase's header: fold toggle, name, status, duration, line count, raw download. */
export const PartHeaderRow = memo(function PartHeaderRow(p: PartHeaderProps) {
  const running = p.status === 'running';
  const now = useNow(running);
  const ms = p.ms ?? (running ? elapsedMs(p.startedAt, now) : null);
  return (
    <div className="log-part" data-testid="log-part" data-row={p.row} data-part={p.name} data-expanded={p.expanded} style={rowStyle(p.top, 0)}>
      <button type="button" className="log-fold log-part__toggle" aria-expanded={p.expanded} onClick={() => p.onToggle(p.row)} data-testid="log-part-toggle">
        <span className="log-fold__chevron" aria-hidden="true">
          {p.expanded ? '▾' : '▸'}
        </span>
        <strong className="log-part__name">{p.name}</strong>
        <span className={`log-part__status log-part__status--${p.status}`}>{p.status}</span>
        <span className="log-part__meta">
          {ms !== null && <>{formatDuration(ms)} · </>}
          {p.lines.toLocaleString('en-US')} {p.lines === 1 ? 'line' : 'lines'}
        </span>
      </button>
      {p.rawHref && (
        <a className="log-part__raw" href={p.rawHref} download data-testid="log-part-raw">
          raw
        </a>
      )}
    </div>
  );
});

function rowStyle(top: number, depth: number): CSSProperties {
  return { transform: `translateY(${top}px)`, '--log-depth': depth } as CSSProperties;
}
