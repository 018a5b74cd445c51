import type { LogLines } from './log-lines';
import { LINE_SECTION_END, LINE_SECTION_START, type LogSection } from './sections';
import type { SearchSource } from './search';

/**
 * A step's log as the viewer shows it: its phases ("parts") one after the
 * other, each a foldable section with its GitLab-style sections inside.
 *
 * Lines have a document-wide number ("global line", 0-based): the lines of
 * part 0, then part 1, … (`base[p] + i`). Rows are what the list draws: a
 * header per part, then (unless folded) its lines, a section's lines hidden
 * while it is folded, section-end markers never shown. A row is stored as an
 * int: `g ≥ 0` is global line g, `-(p + 1)` the header of part p.
 */

export interface LogPart {
  /** The phase's index in the recipe. */
  key: number;
  name: string;
  /** The phase's status (`running`, `passed`, `failed`, …), for its header. */
  status: string;
  /** Duration when finished, null while running. */
  ms: number | null;
  startedAt: string | number | Date | null;
  lines: LogLines;
  /** Whether the part starts unfolded (a part's default is read once, when first shown). */
  expanded: boolean;
}

export class LogDocument implements SearchSource {
  readonly base: Int32Array;
  readonly count: number;

  constructor(readonly parts: readonly LogPart[]) {
    this.base = new Int32Array(parts.length + 1);
    let n = 0;
    for (let p = 0; p < parts.length; p++) {
      this.base[p] = n;
      n += (parts[p] as LogPart).lines.count;
    }
    this.base[parts.length] = n;
    this.count = n;
  }

  /** The part a global line is in. */
  partOf(g: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.base[mid] as number) <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  locate(g: number): { part: number; index: number } {
    const part = this.partOf(g);
    return { part, index: g - (this.base[part] as number) };
  }

  text(g: number): string {
    const { part, index } = this.locate(g);
    return this.parts[part]?.lines.text(index) ?? '';
  }

  skip(g: number): boolean {
    const { part, index } = this.locate(g);
    return ((this.parts[part]?.lines.flags(index) ?? 0) & LINE_SECTION_END) !== 0;
  }

  /** Global line of line `index` (0-based among the lines held) of part `part`. */
  global(part: number, index: number): number {
    return (this.base[part] as number) + index;
  }

  /** The section that starts at line `index` of part `part`, if any. */
  sectionAt(part: number, index: number): LogSection | undefined {
    const lines = this.parts[part]?.lines;
    if (!lines || !(lines.flags(index) & LINE_SECTION_START)) return undefined;
    return findSectionStartingAt(lines.sections, index);
  }
}

function findSectionStartingAt(sections: readonly LogSection[], index: number): LogSection | undefined {
  let lo = 0;
  let hi = sections.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = sections[mid] as LogSection;
    if (s.start === index) return s;
    if (s.start < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Sort key of a row: increases down the list (a header sorts just before its part's first line). */
export function rowSortKey(doc: LogDocument, row: number): number {
  return row >= 0 ? 2 * row + 1 : 2 * (doc.base[-row - 1] as number);
}

/**
 * What is folded. A part's state is keyed by its phase, a section's by its
 * phase and absolute start line (stable when old lines are dropped). Defaults
 * (the part's `expanded`, a section's `[collapsed=true]`) are read the first
 * time a part or section is seen and then kept, so a phase that finishes does
 * not fold under the reader. `version` changes with every change.
 */
export class FoldState {
  private readonly state = new Map<string, boolean>();
  version = 0;

  partExpanded(part: LogPart): boolean {
    const key = `P${part.key}`;
    let v = this.state.get(key);
    if (v === undefined) this.state.set(key, (v = part.expanded));
    return v;
  }

  sectionExpanded(part: LogPart, s: LogSection): boolean {
    const key = `P${part.key}:${part.lines.dropped + s.start}`;
    let v = this.state.get(key);
    if (v === undefined) this.state.set(key, (v = !s.collapsedByDefault));
    return v;
  }

  setPart(part: LogPart, expanded: boolean): void {
    this.set(`P${part.key}`, expanded);
  }

  setSection(part: LogPart, s: LogSection, expanded: boolean): void {
    this.set(`P${part.key}:${part.lines.dropped + s.start}`, expanded);
  }

  /** Every part and section of `doc` folded or unfolded. */
  setAll(doc: LogDocument, expanded: boolean): void {
    for (const part of doc.parts) {
      this.state.set(`P${part.key}`, expanded);
      for (const s of part.lines.sections) this.state.set(`P${part.key}:${part.lines.dropped + s.start}`, expanded);
    }
    this.version++;
  }

  /** Unfolds what hides global line `g`: its part and every section around it. Returns whether anything changed. */
  reveal(doc: LogDocument, g: number): boolean {
    const { part: p, index } = doc.locate(g);
    const part = doc.parts[p];
    if (!part) return false;
    let changed = false;
    if (!this.partExpanded(part)) {
      this.state.set(`P${part.key}`, true);
      changed = true;
    }
    for (const s of part.lines.sections) {
      if (s.start >= index) break;
      if ((s.end === null || index <= s.end) && !this.sectionExpanded(part, s)) {
        this.state.set(`P${part.key}:${part.lines.dropped + s.start}`, true);
        changed = true;
      }
    }
    if (changed) this.version++;
    return changed;
  }

  private set(key: string, v: boolean): void {
    if (this.state.get(key) === v) return;
    this.state.set(key, v);
    this.version++;
  }
}

interface Resume {
  part: number;
  /** Next line (index in the part) to look at. */
  line: number;
  /** Index into the part's sections of the next section not yet reached. */
  section: number;
  /** A folded section still open at the end of the part: its lines are skipped as they come. */
  skipping: LogSection | null;
  /** Whether the part's header was emitted. */
  headerDone: boolean;
}

/**
 * The rows of a document under a fold state. `update()` after lines were
 * appended to the last part continues where it stopped (O(new lines));
 * anything else (a fold, an earlier part changing, lines dropped) rebuilds
 * (O(lines), a few ms per million).
 */
export class RowList {
  rows = new Int32Array(1024);
  length = 0;
  private doc: LogDocument | null = null;
  private foldVersion = -1;
  private seen: Array<{ lines: LogLines; count: number; dropped: number }> = [];
  private resume: Resume = { part: 0, line: 0, section: 0, skipping: null, headerDone: false };

  /** Brings the rows up to date with `doc` and `fold`; returns whether the rows were rebuilt from scratch (vs extended or unchanged). */
  update(doc: LogDocument, fold: FoldState): boolean {
    const rebuild = !this.canContinue(doc, fold);
    if (rebuild) {
      this.length = 0;
      this.resume = { part: 0, line: 0, section: 0, skipping: null, headerDone: false };
    }
    this.doc = doc;
    this.foldVersion = fold.version;
    this.walk(doc, fold);
    this.seen = doc.parts.map((p) => ({ lines: p.lines, count: p.lines.count, dropped: p.lines.dropped }));
    return rebuild;
  }

  /** Row of global line `g`, or of the nearest row before it when `g` is hidden (-1 if none). */
  rowOfLine(g: number): number {
    const doc = this.doc;
    if (!doc) return -1;
    const key = 2 * g + 1;
    let lo = 0;
    let hi = this.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rowSortKey(doc, this.rows[mid] as number) <= key) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** Row of part p's header. */
  rowOfPart(p: number): number {
    for (let r = 0; r < this.length; r++) if (this.rows[r] === -(p + 1)) return r;
    return -1;
  }

  private canContinue(doc: LogDocument, fold: FoldState): boolean {
    if (!this.doc || fold.version !== this.foldVersion) return false;
    if (doc.parts.length < this.seen.length) return false;
    for (let p = 0; p < this.seen.length; p++) {
      const s = this.seen[p] as (typeof this.seen)[number];
      const lines = doc.parts[p]?.lines;
      if (lines !== s.lines || lines.dropped !== s.dropped) return false;
      // Only the part the walk stopped in (the last one seen) may have grown.
      if (p < this.seen.length - 1 && lines.count !== s.count) return false;
    }
    return true;
  }

  private push(v: number): void {
    this.reserve(1);
    this.rows[this.length++] = v;
  }

  /** Room for `n` more rows. */
  private reserve(n: number): void {
    if (this.length + n <= this.rows.length) return;
    let cap = this.rows.length * 2;
    while (cap < this.length + n) cap *= 2;
    const grown = new Int32Array(cap);
    grown.set(this.rows.subarray(0, this.length));
    this.rows = grown;
  }

  private walk(doc: LogDocument, fold: FoldState): void {
    const r = this.resume;
    for (; r.part < doc.parts.length; r.part++, r.line = 0, r.section = 0, r.skipping = null, r.headerDone = false) {
      const part = doc.parts[r.part] as LogPart;
      if (!r.headerDone) {
        this.push(-(r.part + 1));
        r.headerDone = true;
      }
      const lines = part.lines;
      const count = lines.count;
      if (!fold.partExpanded(part)) {
        r.line = count;
        if (r.part === doc.parts.length - 1) return;
        continue;
      }
      const sections = lines.sections;
      const base = doc.base[r.part] as number;
      if (r.skipping) {
        if (r.skipping.end === null) {
          r.line = count;
          if (r.part === doc.parts.length - 1) return;
          continue;
        }
        r.line = Math.max(r.line, r.skipping.end + 1);
        r.skipping = null;
      }
      let i = r.line;
      const flags = lines.flagArray();
      this.reserve(count - i);
      while (i < count) {
        const f = flags[i] as number;
        if (f === 0) {
          this.rows[this.length++] = base + i;
          i++;
          continue;
        }
        if (f & LINE_SECTION_END) {
          i++;
          continue;
        }
        this.rows[this.length++] = base + i;
        if (f & LINE_SECTION_START) {
          while (r.section < sections.length && (sections[r.section] as LogSection).start < i) r.section++;
          const s = sections[r.section];
          if (s && s.start === i && !fold.sectionExpanded(part, s)) {
            if (s.end === null) {
              r.skipping = s;
              i = count;
              break;
            }
            i = s.end + 1;
            continue;
          }
        }
        i++;
      }
      r.line = i;
      // Stay in the last part: its lines may still grow.
      if (r.part === doc.parts.length - 1) return;
    }
  }
}
