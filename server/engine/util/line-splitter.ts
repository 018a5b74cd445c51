/** Longest line stored; longer lines are cut and marked (by `cutLine`, after secrets are redacted). */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Longest line an executor hands on: the first RAW_LINE_LIMIT characters are
 * kept and the rest of the line (up to its newline) is dropped, so one huge
 * line cannot exhaust memory. Larger than MAX_LINE_LENGTH by more than the
 * longest recipe secret (100,000 characters), so that the server can redact a
 * secret that starts in the stored part before it cuts the line.
 */
export const RAW_LINE_LIMIT = 256 * 1024;

/** `line`, cut to MAX_LINE_LENGTH with a marker if it is longer. */
export function cutLine(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)} … [line cut at ${MAX_LINE_LENGTH} characters]` : line;
}

/**
 * Splits a byte stream into lines (\n, with a trailing \r removed). Keeps a
 * partial last line until more data or `flush()`. UTF-8 sequences split across
 * chunks are decoded correctly. A line longer than `limit` is handed on as its
 * first `limit` characters (at once, without waiting for its newline); the
 * rest of it is dropped.
 */
export class LineSplitter {
  private partial = '';
  /** True while the rest of an over-long line is being dropped. */
  private dropping = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly limit = RAW_LINE_LIMIT) {}

  push(chunk: Uint8Array): string[] {
    const parts = this.decoder.decode(chunk, { stream: true }).split('\n');
    const rest = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (!this.dropping) lines.push(this.complete(this.partial + part));
      this.partial = '';
      this.dropping = false;
    }
    this.extend(rest, lines);
    return lines;
  }

  flush(): string[] {
    const lines: string[] = [];
    this.extend(this.decoder.decode(), lines);
    if (!this.dropping && this.partial.length > 0) lines.push(clean(this.partial));
    this.partial = '';
    this.dropping = false;
    return lines;
  }

  /** A line ended by its newline; one over the limit is cut (and keeps a `\r` at the cut: it is not the line's end). */
  private complete(line: string): string {
    return line.length > this.limit ? line.slice(0, this.limit) : clean(line);
  }

  /** Adds text without a newline to the partial line; hands it on once it is over the limit. */
  private extend(text: string, lines: string[]): void {
    if (this.dropping) return;
    this.partial += text;
    if (this.partial.length <= this.limit) return;
    lines.push(this.partial.slice(0, this.limit));
    this.partial = '';
    this.dropping = true;
  }
}

function clean(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
