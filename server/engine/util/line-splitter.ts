/** Longest line stored; longer lines are cut and marked (by `cutLine`, after secrets are redacted). */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Longest line an executor hands on: the first RAW_LINE_LIMIT characters are
 * kept and the rest of the line (up to its newline) is dropped, so one huge
 * line cannot exhaust memory. Larger than MAX_LINE_LENGTH by more than the
 * longest recipe secret (100,000 characters), so that the server can redact a
 * secret that starts in the stored part before it cuts the line.
 *
 * The executor adds no marker of its own: a line of exactly RAW_LINE_LIMIT
 * characters is how the redactor knows the executor cut it (it then removes a
 * possible secret prefix at the end before it cuts and marks the line).
 */
export const RAW_LINE_LIMIT = 256 * 1024;

/** `line`, cut to MAX_LINE_LENGTH with a marker if it is longer. */
export function cutLine(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)} … [line cut at ${MAX_LINE_LENGTH} characters]` : line;
}

/**
 * Splits a command's output stream into lines: the one splitter of local and
 * remote executors, so a build reads the same in the log wherever it ran.
 *
 * - A line ends at `\n`; a `\r` right before it (CRLF), or at the very end of
 *   the stream, is dropped. A `\r` anywhere else (a progress bar redrawing
 *   itself) stays in the line.
 * - A partial last line is kept until more data or `flush()`.
 * - UTF-8 sequences split across chunks are decoded correctly.
 * - A line longer than `limit` is handed on as its first `limit` characters at
 *   once (without waiting for its newline) and the rest of it is dropped (see
 *   RAW_LINE_LIMIT for why without a marker).
 */
export class LineSplitter {
  private partial = '';
  /** True while the rest of an over-long line is being dropped. */
  private dropping = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly limit = RAW_LINE_LIMIT) {}

  /** The lines completed by `chunk` (bytes, or text already decoded). */
  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    const rest = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      this.extend(part, lines);
      if (!this.dropping) lines.push(withoutTrailingCr(this.partial));
      this.partial = '';
      this.dropping = false;
    }
    this.extend(rest, lines);
    return lines;
  }

  /** Ends the stream: the last partial line, if any. The splitter can be used again afterwards. */
  flush(): string[] {
    const lines: string[] = [];
    this.extend(this.decoder.decode(), lines);
    if (!this.dropping && this.partial.length > 0) lines.push(withoutTrailingCr(this.partial));
    this.partial = '';
    this.dropping = false;
    return lines;
  }

  /** Adds text without a newline to the partial line; hands its first part on once it is over the limit. */
  private extend(text: string, lines: string[]): void {
    if (this.dropping) return;
    this.partial += text;
    if (this.partial.length <= this.limit) return;
    // Cut before the line's end was seen: a `\r` at the cut is not a line end, so it stays.
    lines.push(this.partial.slice(0, this.limit));
    this.partial = '';
    this.dropping = true;
  }
}

function withoutTrailingCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
