/** Shell words as git writes and reads them in a bisect log (`sq_quote` / `sq_dequote`). */

/**
 * Split a shell-ish argument string: single quotes (literal), double quotes (with \" \\ \$ \`),
 * backslash escapes outside quotes. Covers git's sq_quote output (`'it'\''s'`, `'\!'`).
 * Returns null on an unterminated quote.
 */
export function splitShellWords(s: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) {
        out.push(cur);
        cur = '';
        inWord = false;
      }
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      let closed = false;
      while (i < s.length) {
        const d = s[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          cur += s[i + 1]!;
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      if (!closed) return null;
    } else if (c === '\\') {
      inWord = true;
      if (i + 1 < s.length) cur += s[i + 1]!;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** git's sq_quote: wrap in single quotes, `'` -> `'\''`, `!` -> `'\!'`. */
export function sqQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''").replace(/!/g, "'\\!'")}'`;
}
