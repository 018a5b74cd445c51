import { StringDecoder } from 'node:string_decoder';
import { RAW_LINE_LIMIT } from '../util/line-splitter';

/** Longest line handed on; the rest of a longer line is dropped (see RAW_LINE_LIMIT). */
export const MAX_LINE_CHARS = RAW_LINE_LIMIT;

/**
 * Turns a byte stream into lines. `push` returns the complete lines seen so far
 * (without the `\n`); a trailing partial line is kept until its newline arrives
 * or `end()` is called. UTF-8 sequences split across chunks are decoded
 * correctly. A line longer than `maxLineChars` is handed on as its first
 * `maxLineChars` characters as soon as it is that long, and the rest of it is
 * dropped, so memory stays bounded whatever the command prints. (The server
 * redacts secrets from a whole line before cutting it to the stored length.)
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  /** True while the rest of an over-long line is being dropped. */
  private dropping = false;

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.take(text);
  }

  /** Flushes the decoder and returns the last partial line, if any. */
  end(): string[] {
    const lines = this.take(this.decoder.end());
    if (!this.dropping && this.partial.length > 0) lines.push(this.partial);
    this.partial = '';
    this.dropping = false;
    return lines;
  }

  private take(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      this.extend(text.slice(start, nl === -1 ? text.length : nl), lines);
      if (nl === -1) return lines;
      if (!this.dropping) lines.push(this.partial);
      this.partial = '';
      this.dropping = false;
      start = nl + 1;
    }
  }

  /** Adds text without a newline to the partial line; hands its first part on once it is over the limit. */
  private extend(text: string, lines: string[]): void {
    if (this.dropping) return;
    this.partial += text;
    if (this.partial.length <= this.maxLineChars) return;
    lines.push(this.partial.slice(0, this.maxLineChars));
    this.partial = '';
    this.dropping = true;
  }
}
