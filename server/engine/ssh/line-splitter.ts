import { StringDecoder } from 'node:string_decoder';

/** Longest line handed out in one piece; longer lines are cut into chunks of this size. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns a byte stream into lines. `push` returns the complete lines seen so far
 * (without the `\n`); a trailing partial line is kept until its newline arrives
 * or `end()` is called. UTF-8 sequences split across chunks are decoded
 * correctly. A line longer than `maxLineChars` is emitted in pieces of at most
 * that many characters, so memory stays bounded whatever the command prints.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.take(text);
  }

  /** Flushes the decoder and returns the last partial line, if any. */
  end(): string[] {
    const lines = this.take(this.decoder.end());
    if (this.partial.length > 0) {
      lines.push(this.partial);
      this.partial = '';
    }
    return lines;
  }

  private take(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      this.partial += text.slice(start, nl);
      this.cutLong(lines);
      lines.push(this.partial);
      this.partial = '';
      start = nl + 1;
    }
    this.partial += text.slice(start);
    this.cutLong(lines);
    return lines;
  }

  /** Moves full-size chunks of an over-long partial line to `lines`. */
  private cutLong(lines: string[]): void {
    while (this.partial.length > this.maxLineChars) {
      lines.push(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
  }
}
