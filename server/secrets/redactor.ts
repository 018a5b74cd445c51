import { cutLine, MAX_LINE_LENGTH, RAW_LINE_LIMIT } from '../engine/util/line-splitter';

/** What a secret value is replaced with in stored text. */
export const REDACTED = '[secret]';

/**
 * Shortest line of a multi-line secret that is redacted on its own. Shorter
 * lines (`{`, `}`, `---`, a PEM's last `AA=`) are left alone: redacting every
 * `}` of a log would hide the output and, worse, turn the log into an oracle
 * that shows which short strings the secret contains. They carry at most three
 * characters of the secret each; the whole secret and its longer lines are
 * always redacted.
 */
export const MIN_FRAGMENT_CHARS = 4;

/**
 * Removes recipe secrets from text before it is stored or sent.
 *
 * Output is split into lines before it gets here, so a secret with newlines
 * never appears whole in one output line: each of its lines (trimmed, at least
 * MIN_FRAGMENT_CHARS long) is redacted wherever it appears, besides the whole
 * value. A whole single-line secret is redacted whatever its length.
 *
 * Lines are redacted before they are cut to MAX_LINE_LENGTH, so a secret across
 * the cut keeps no prefix. Executors keep up to RAW_LINE_LIMIT characters of a
 * line; secrets are at most 100,000 characters (recipe schema), so any secret
 * starting within the kept MAX_LINE_LENGTH is whole in what the executor kept.
 */
export class Redactor {
  /** Whole secrets and their long lines, longest first, without duplicates. */
  private readonly terms: readonly string[];
  private readonly longest: number;

  constructor(secrets: readonly string[]) {
    const terms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length === 0) continue;
      terms.add(secret);
      if (!/[\r\n]/.test(secret)) continue;
      for (const line of secret.split(/\r?\n|\r/)) {
        const fragment = line.trim();
        if (fragment.length >= MIN_FRAGMENT_CHARS) terms.add(fragment);
      }
    }
    this.terms = [...terms].sort((a, b) => b.length - a.length);
    this.longest = this.terms[0]?.length ?? 0;
  }

  /** False when there is nothing to redact. */
  get active(): boolean {
    return this.terms.length > 0;
  }

  /** `text` (one line or many) with every secret and every long line of one replaced. */
  text(text: string): string {
    let out = text;
    for (const term of this.terms) if (out.includes(term)) out = out.split(term).join(REDACTED);
    return out;
  }

  /**
   * An output line as it is stored: redacted in full, then cut to
   * MAX_LINE_LENGTH with a marker. A line of RAW_LINE_LIMIT characters was
   * possibly cut by the executor, so its end may be the start of a secret
   * whose rest was dropped: that tail is removed before the cut as well.
   */
  line(line: string): string {
    if (!this.active) return cutLine(line);
    let out = this.text(line);
    const cutByExecutor = line.length >= RAW_LINE_LIMIT;
    if (cutByExecutor) out = out.slice(0, Math.max(0, out.length - (this.longest - 1)));
    return cutByExecutor && out.length <= MAX_LINE_LENGTH ? `${out} … [line cut]` : cutLine(out);
  }

  /** A copy of `value` with every string in it (at any depth) passed through `text`. */
  deep<T>(value: T): T {
    return this.active ? (redactValue(value, this) as T) : value;
  }
}

function redactValue(value: unknown, r: Redactor): unknown {
  if (typeof value === 'string') return r.text(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, r));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, r)]));
  }
  return value;
}
