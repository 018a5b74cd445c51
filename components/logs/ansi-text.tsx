import { useMemo, type CSSProperties } from 'react';
import { parseAnsi, truncateSpans, type AnsiSpan } from '../../lib/ansi';

export interface AnsiTextProps {
  /** One line of raw command output; may contain ANSI escapes. Rendered as text only. */
  text: string;
  /** Show at most this many visible characters, then a "… N more characters" note. */
  maxChars?: number;
}

/** Inline style for a span. Colours come from lib/ansi (palette vars or #rrggbb), never from the input. */
export function spanStyle(span: AnsiSpan): CSSProperties | undefined {
  if (!span.fg && !span.bg && !span.bold && !span.dim && !span.italic && !span.underline) return undefined;
  const style: CSSProperties = {};
  if (span.fg) style.color = span.fg;
  if (span.bg) style.backgroundColor = span.bg;
  if (span.bold) style.fontWeight = 'bold';
  if (span.dim) style.opacity = 0.7;
  if (span.italic) style.fontStyle = 'italic';
  if (span.underline) style.textDecoration = 'underline';
  return style;
}

/**
 * Renders one line's ANSI-styled spans as React text inside <span>s (never as
 * HTML). Renders a fragment: the caller provides the block element and font.
 */
export function AnsiText({ text, maxChars }: AnsiTextProps) {
  const { spans, omitted } = useMemo(() => {
    const parsed = parseAnsi(text);
    return maxChars === undefined ? { spans: parsed, omitted: 0 } : truncateSpans(parsed, maxChars);
  }, [text, maxChars]);
  return (
    <>
      {spans.map((span, i) => (
        <span key={i} style={spanStyle(span)}>
          {span.text}
        </span>
      ))}
      {omitted > 0 && <span className="ansi-text__omitted">{` … ${omitted.toLocaleString('en-US')} more characters`}</span>}
    </>
  );
}
