/** Longest line kept; longer lines are cut and marked, so one huge line cannot exhaust memory. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Splits a byte stream into lines (\n, with a trailing \r removed). Keeps a
 * partial last line until more data or `flush()`. UTF-8 sequences split across
 * chunks are decoded correctly.
 */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array): string[] {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    if (this.partial.length > MAX_LINE_LENGTH) {
      parts.push(truncate(this.partial));
      this.partial = '';
    }
    return parts.map(clean);
  }

  flush(): string[] {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return rest.length > 0 ? [clean(rest)] : [];
  }
}

function clean(line: string): string {
  const l = line.endsWith('\r') ? line.slice(0, -1) : line;
  return l.length > MAX_LINE_LENGTH ? truncate(l) : l;
}

function truncate(line: string): string {
  return `${line.slice(0, MAX_LINE_LENGTH)} … [line cut at ${MAX_LINE_LENGTH} characters]`;
}
