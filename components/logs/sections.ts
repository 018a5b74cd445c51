/**
 * Collapsible sections marked in command output the way GitLab CI marks them:
 *
 *   \e[0Ksection_start:1700000000:compile[collapsed=true]\r\e[0KCompiling the kernel
 *   ...
 *   \e[0Ksection_end:1700000042:compile\r\e[0K
 *
 * The timestamp is Unix seconds (GitLab writes integers; fractions such as
 * bash's $EPOCHREALTIME are accepted too). The name is [A-Za-z0-9_.-]+; the
 * options in brackets after it are `key=value` pairs (`collapsed=true` is the
 * one used). The header is the text after the `\r` (the name when empty).
 * Sections nest; an end closes the innermost open section of that name (and any
 * opened inside it). A section not closed by the end of the log stays open.
 */

export interface SectionMarker {
  kind: 'start' | 'end';
  /** Unix time in seconds. */
  time: number;
  name: string;
  /** From `[collapsed=true]`. */
  collapsed: boolean;
  /** Header text (start markers; may contain ANSI styles). */
  title: string;
}

const MARKER = /section_(start|end):(\d+(?:\.\d+)?):([A-Za-z0-9_.-]+)(\[[^\]\r]*\])?/;

/** The marker a line carries, or null. Cheap for lines without one (a substring test first). */
export function parseSectionMarker(line: string): SectionMarker | null {
  const at = line.indexOf('section_');
  if (at < 0) return null;
  // The marker must start the line, after optional escape sequences (GitLab emits `\e[0K` first).
  const before = line.slice(0, at);
  if (before !== '' && !/^(?:\x1b\[[0-9;]*[A-Za-z])+$/.test(before)) return null;
  const m = MARKER.exec(line.slice(at));
  if (!m || m.index !== 0) return null;
  const options = m[4] ?? '';
  let title = '';
  const rest = line.slice(at + m[0].length);
  const cr = rest.indexOf('\r');
  if (m[1] === 'start') {
    title = (cr >= 0 ? rest.slice(cr + 1) : rest).replace(/^(?:\x1b\[[0-9;]*K)+/, '');
    if (title.trim() === '') title = m[3] ?? '';
  }
  return {
    kind: m[1] === 'start' ? 'start' : 'end',
    time: Number(m[2]),
    name: m[3] ?? '',
    collapsed: /(?:^\[|,)\s*collapsed\s*=\s*true\s*(?:,|\])/.test(options),
    title,
  };
}

/** A section of one phase's log; line numbers are indexes into the lines held (0-based). */
export interface LogSection {
  name: string;
  title: string;
  /** Line of the start marker. */
  start: number;
  /** Line of the end marker, null while open. */
  end: number | null;
  startTime: number;
  endTime: number | null;
  /** Nesting depth: 0 for a top-level section of the phase. */
  depth: number;
  collapsedByDefault: boolean;
}

/** Flags per line. */
export const LINE_SECTION_START = 1;
export const LINE_SECTION_END = 2;

/**
 * Builds the section list of one log incrementally: `push` the lines as they
 * arrive (in order, indexes continuing), read `sections` (in start order) and
 * the per-line flags. Never re-reads earlier lines.
 */
export class SectionParser {
  readonly sections: LogSection[] = [];
  /** Sections still open, outermost first. */
  private readonly open: LogSection[] = [];

  /**
   * Reads lines `first`, `first + 1`, … and sets their flags in `flags`
   * (LINE_SECTION_START / LINE_SECTION_END) through `setFlag`.
   */
  push(lines: readonly string[], first: number, setFlag: (index: number, flag: number) => void): void {
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k] as string;
      if (line.indexOf('section_') < 0) continue;
      const m = parseSectionMarker(line);
      if (!m) continue;
      const index = first + k;
      if (m.kind === 'start') {
        const s: LogSection = {
          name: m.name,
          title: m.title,
          start: index,
          end: null,
          startTime: m.time,
          endTime: null,
          depth: this.open.length,
          collapsedByDefault: m.collapsed,
        };
        this.sections.push(s);
        this.open.push(s);
        setFlag(index, LINE_SECTION_START);
      } else {
        let j = this.open.length - 1;
        while (j >= 0 && this.open[j]?.name !== m.name) j--;
        if (j < 0) continue; // an end without its start: shown as a plain line
        for (let i = this.open.length - 1; i >= j; i--) {
          const s = this.open[i] as LogSection;
          s.end = index;
          s.endTime = m.time;
        }
        this.open.length = j;
        setFlag(index, LINE_SECTION_END);
      }
    }
  }
}

/** Seconds a section took by its markers; null while it is open. Never negative. */
export function sectionSeconds(s: Pick<LogSection, 'startTime' | 'endTime'>): number | null {
  return s.endTime === null ? null : Math.max(0, s.endTime - s.startTime);
}
