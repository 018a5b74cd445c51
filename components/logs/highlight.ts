import type { AnsiSpan } from '@/lib/ansi';

/** A styled piece of a line; `mark` is set inside a search match (`current` for the selected one). */
export type MarkedSpan = AnsiSpan & { mark?: 'match' | 'current' };

/**
 * Cuts `spans` (a line's styled text, in order) at the match ranges
 * ([start, end) in the concatenated text, sorted, not overlapping) and marks
 * the pieces inside them; `current` is the index in `ranges` of the selected
 * match, -1 for none. Styles are kept; the text is unchanged.
 */
export function markSpans(spans: readonly AnsiSpan[], ranges: ReadonlyArray<readonly [number, number]>, current = -1): MarkedSpan[] {
  if (ranges.length === 0) return spans as MarkedSpan[];
  const out: MarkedSpan[] = [];
  let pos = 0; // offset of the current span's start in the line
  let r = 0;
  for (const span of spans) {
    const end = pos + span.text.length;
    let at = pos;
    while (at < end) {
      while (r < ranges.length && (ranges[r] as readonly [number, number])[1] <= at) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push(at === pos ? span : { ...span, text: span.text.slice(at - pos) });
        at = end;
        break;
      }
      if (range[0] > at) {
        out.push({ ...span, text: span.text.slice(at - pos, range[0] - pos) });
        at = range[0];
      }
      const stop = Math.min(end, range[1]);
      out.push({ ...span, text: span.text.slice(at - pos, stop - pos), mark: r === current ? 'current' : 'match' });
      at = stop;
    }
    pos = end;
  }
  return out;
}
