/**
 * ANSI escape handling for one line of command output.
 *
 * `parseAnsi` turns a line into styled text spans; it never returns markup, so
 * callers render `span.text` as plain React text. Colours are CSS colour
 * strings produced here (a `var(--ansi-*)` palette entry or `#rrggbb`), never
 * copied from the input, so they are safe to put in a `style` object.
 *
 * Supported: SGR `ESC[...m` — 0 reset, 1 bold, 2 dim, 3 italic, 4 underline
 * (and `4:n` sub-parameters), 21 (double) underline, 22/23/24 resets, 30-37 and
 * 90-97 foreground, 40-47 and 100-107 background, 39/49 default, 38/48 with
 * `;5;n` (256 colours) or `;2;r;g;b` (truecolour), also in the `:` form.
 * Other SGR codes (blink, inverse, strike, ...) are accepted and ignored.
 *
 * Stripped: every other CSI sequence (`ESC[K`, `ESC[2J`, `ESC[?25l`, ...),
 * OSC/DCS/APC/PM/SOS strings ended by BEL or ST (`ESC\`), other two-byte and
 * charset escapes (`ESC(B`, `ESC7`), a lone ESC, C1 controls, DEL and every C0
 * control character except tab.
 *
 * Carriage return: like a terminal redrawing a progress bar, text written after
 * a `\r` replaces what the line showed before it; a `\r` that no text follows
 * (e.g. the `\r` of a CRLF line ending) changes nothing. Styles set before a
 * `\r` stay in effect after it.
 *
 * Why not a library: anser's ansiToJson (checked, 2.3.5) and ansi-sequence-parser
 * only interpret SGR; they pass OSC strings (titles, OSC 8 hyperlinks), charset
 * and two-byte escapes, C1 controls, NUL/BEL and `\r` through into the text,
 * read no `:` sub-parameters (`38:2::r:g:b` comes out as text) and treat a cut
 * truecolor sequence's tail as new codes. Every one of those is a case in
 * ansi.test.ts; a sanitising pass in front of the library would be most of
 * this file again.
 */

export interface AnsiSpan {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

/** The style part of a span. */
export type AnsiStyle = Omit<AnsiSpan, 'text'>;

const PALETTE_NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

/**
 * Fallbacks used when the page does not define the `--ansi-*` variables
 * (components/logs/logs.css does, per theme): mid tones legible on both dark
 * and light backgrounds.
 */
const PALETTE_FALLBACKS = [
  // normal: black red green yellow blue magenta cyan white
  '#6e7681', '#d1242f', '#1a7f37', '#9a6700', '#0969da', '#8250df', '#1b7c83', '#8c959f',
  // bright
  '#848d97', '#e5534b', '#2da44e', '#bf8700', '#388bfd', '#a475f9', '#3192aa', '#afb8c1',
] as const;

/** CSS colour for one of the 16 standard colours (0-7 normal, 8-15 bright). */
export function ansiPaletteColor(index: number): string {
  const name = PALETTE_NAMES[index % 8] ?? 'white';
  const variable = index >= 8 ? `--ansi-bright-${name}` : `--ansi-${name}`;
  return `var(${variable}, ${PALETTE_FALLBACKS[index] ?? '#8c959f'})`;
}

function hexByte(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function rgbHex(r: number, g: number, b: number): string {
  return `#${hexByte(r)}${hexByte(g)}${hexByte(b)}`;
}

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255] as const;

/** CSS colour for an xterm 256-colour index, or undefined if out of range. */
export function xterm256Color(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return ansiPaletteColor(n);
  if (n < 232) {
    const i = n - 16;
    const level = (k: number) => CUBE_LEVELS[k] ?? 0;
    return rgbHex(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const gray = 8 + (n - 232) * 10;
  return rgbHex(gray, gray, gray);
}

function isByte(n: number | undefined): n is number {
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 255;
}

/**
 * Reads an extended colour (the parameters after 38/48). `params` are the
 * remaining `;`-separated parameters, `sub` the `:` sub-parameters of the 38/48
 * itself (empty for the `;` form). Returns the colour (undefined if invalid)
 * and how many of `params` it consumed.
 */
function readExtendedColor(
  params: readonly number[][],
  sub: readonly number[],
): { color: string | undefined; consumed: number } {
  if (sub.length > 1) {
    // Colon form: 38:5:n, 38:2:r:g:b or 38:2:colourspace:r:g:b.
    const mode = sub[1];
    if (mode === 5) return { color: xterm256Color(sub[2] ?? -1), consumed: 0 };
    if (mode === 2) {
      const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
      const [r, g, b] = rgb;
      return { color: isByte(r) && isByte(g) && isByte(b) ? rgbHex(r, g, b) : undefined, consumed: 0 };
    }
    return { color: undefined, consumed: 0 };
  }
  const first = (k: number) => params[k]?.[0];
  const mode = first(0);
  if (mode === 5) return { color: xterm256Color(first(1) ?? -1), consumed: Math.min(2, params.length) };
  if (mode === 2) {
    const r = first(1);
    const g = first(2);
    const b = first(3);
    return {
      color: isByte(r) && isByte(g) && isByte(b) ? rgbHex(r, g, b) : undefined,
      consumed: Math.min(4, params.length),
    };
  }
  // Unknown or missing mode: consume just the mode so the rest is still read.
  return { color: undefined, consumed: params.length > 0 ? 1 : 0 };
}

/** Applies one SGR parameter string (the part between `ESC[` and `m`) to `style`. */
function applySgr(style: AnsiStyle, paramText: string): AnsiStyle {
  // Empty parameters mean 0; each parameter may carry `:` sub-parameters.
  const params = paramText.split(';').map((p) => p.split(':').map((s) => (s === '' ? 0 : Number(s))));
  let next: AnsiStyle = { ...style };
  for (let i = 0; i < params.length; i++) {
    const sub = params[i] ?? [0];
    const code = sub[0] ?? 0;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) {
      if (sub.length > 1 && sub[1] === 0) delete next.underline;
      else next.underline = true;
    } else if (code === 21) next.underline = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code >= 30 && code <= 37) next.fg = ansiPaletteColor(code - 30);
    else if (code >= 90 && code <= 97) next.fg = ansiPaletteColor(code - 90 + 8);
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = ansiPaletteColor(code - 40);
    else if (code >= 100 && code <= 107) next.bg = ansiPaletteColor(code - 100 + 8);
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      const { color, consumed } = readExtendedColor(params.slice(i + 1), sub);
      i += consumed;
      if (color !== undefined) {
        if (code === 38) next.fg = color;
        else next.bg = color;
      }
    }
    // Anything else (NaN from garbage, blink, inverse, ...) is ignored.
  }
  return next;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline
  );
}

const ESC = 0x1b;
const BEL = 0x07;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_DCS = 0x90;
const C1_SOS = 0x98;
const C1_PM = 0x9e;
const C1_APC = 0x9f;

/** Index just past a control string (OSC, DCS, ...) starting at `from`: ends at BEL, ST or end of line. */
function skipControlString(line: string, from: number): number {
  for (let j = from; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (c === BEL || c === C1_ST) return j + 1;
    if (c === ESC && line.charCodeAt(j + 1) === 0x5c /* \ */) return j + 2;
  }
  return line.length;
}

/**
 * Parses a CSI sequence whose parameters start at `from`. Returns the index
 * just past it and, when it is a well-formed SGR, its parameter text.
 */
function readCsi(line: string, from: number): { end: number; sgr: string | null } {
  let j = from;
  while (j < line.length) {
    const c = line.charCodeAt(j);
    if (c >= 0x30 && c <= 0x3f) j++; // parameter bytes
    else break;
  }
  const paramsEnd = j;
  while (j < line.length) {
    const c = line.charCodeAt(j);
    if (c >= 0x20 && c <= 0x2f) j++; // intermediate bytes
    else break;
  }
  const final = line.charCodeAt(j);
  if (j < line.length && final >= 0x40 && final <= 0x7e) {
    const params = line.slice(from, paramsEnd);
    const isSgr = final === 0x6d /* m */ && j === paramsEnd && /^[0-9;:]*$/.test(params);
    return { end: j + 1, sgr: isSgr ? params : null };
  }
  // Malformed or cut off: drop what was read, resume at the offending character.
  return { end: j, sgr: null };
}

/**
 * Splits one line into styled spans. Adjacent text with the same style is
 * merged; spans never have empty text; a line without visible text gives [].
 * Only style keys that are set appear on a span (no `bold: false`).
 */
export function parseAnsi(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = {};
  let text = ''; // pending text in `style`
  let pendingReturn = false; // a \r was seen and no text has followed it yet

  const flush = () => {
    if (text === '') return;
    const last = spans[spans.length - 1];
    if (last !== undefined && sameStyle(last, style)) last.text += text;
    else spans.push({ ...style, text });
    text = '';
  };

  let i = 0;
  let runStart = 0; // start of the current run of plain characters
  const takeRun = (end: number) => {
    if (end > runStart) {
      if (pendingReturn) {
        spans.length = 0;
        text = '';
        pendingReturn = false;
      }
      text += line.slice(runStart, end);
    }
  };

  while (i < line.length) {
    const c = line.charCodeAt(i);
    const isControl = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    if (!isControl || c === 0x09 /* tab */) {
      i++;
      continue;
    }
    takeRun(i);
    if (c === 0x0d /* \r */) {
      flush();
      pendingReturn = true;
      i++;
    } else if (c === ESC || c === C1_CSI || c === C1_OSC || c === C1_DCS || c === C1_SOS || c === C1_PM || c === C1_APC) {
      let kind: 'csi' | 'string' | null = null;
      let bodyStart = i + 1;
      if (c === C1_CSI) kind = 'csi';
      else if (c !== ESC) kind = 'string';
      else {
        const n = line.charCodeAt(i + 1);
        bodyStart = i + 2;
        if (n === 0x5b /* [ */) kind = 'csi';
        else if (n === 0x5d /* ] */ || n === 0x50 /* P */ || n === 0x58 /* X */ || n === 0x5e /* ^ */ || n === 0x5f /* _ */)
          kind = 'string';
      }
      if (kind === 'csi') {
        const { end, sgr } = readCsi(line, bodyStart);
        if (sgr !== null) {
          const nextStyle = applySgr(style, sgr);
          if (!sameStyle(nextStyle, style)) {
            flush();
            style = nextStyle;
          }
        }
        i = end;
      } else if (kind === 'string') {
        i = skipControlString(line, bodyStart);
      } else if (c === ESC) {
        // ESC, optional intermediates (0x20-0x2f), one final byte (0x30-0x7e);
        // a lone ESC (end of line, or not followed by such bytes) is dropped alone.
        let j = i + 1;
        while (j < line.length && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        const final = line.charCodeAt(j);
        i = j < line.length && final >= 0x30 && final <= 0x7e ? j + 1 : i + 1;
      } else {
        i++;
      }
    } else {
      i++; // other C0/C1 control or DEL: dropped
    }
    runStart = i;
  }
  takeRun(line.length);
  flush();
  return spans;
}

/** The visible text of a line: `parseAnsi` without the styles. */
export function stripAnsi(line: string): string {
  let out = '';
  for (const span of parseAnsi(line)) out += span.text;
  return out;
}

/**
 * Cuts spans to at most `maxChars` characters of text (UTF-16 units), for
 * rendering pathological lines. Returns the kept spans and how many characters
 * were cut. Does not modify its input.
 */
export function truncateSpans(
  spans: readonly AnsiSpan[],
  maxChars: number,
): { spans: AnsiSpan[]; omitted: number } {
  const kept: AnsiSpan[] = [];
  let room = Math.max(0, Math.floor(maxChars));
  let omitted = 0;
  for (const span of spans) {
    if (room >= span.text.length) {
      kept.push(span);
      room -= span.text.length;
    } else {
      if (room > 0) kept.push({ ...span, text: span.text.slice(0, room) });
      omitted += span.text.length - room;
      room = 0;
    }
  }
  return { spans: kept, omitted };
}
