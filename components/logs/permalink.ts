/**
 * Line permalinks in a session page's URL fragment, GitHub style:
 * `#s3-build-L1204` (step 3, the phase named "build", line 1204) or a range
 * `#s3-build-L1204-L1210`. Line numbers are 1-based and count every line the
 * phase wrote (as in the downloaded log). A phase whose name is not unique in
 * its step, or does not fit in a fragment, is named by its index: `p0`.
 */

export interface LineAnchor {
  step: number;
  /** The phase's name, or `{ index }` for the `pN` form. */
  phase: string | { index: number };
  line: number;
  /** Last line of a range (≥ line), or null. */
  endLine: number | null;
}

const ANCHOR = /^#?s(\d+)-(.+?)-L(\d+)(?:-L(\d+))?$/;

export function parseLineAnchor(hash: string): LineAnchor | null {
  const m = ANCHOR.exec(hash);
  if (!m) return null;
  const step = Number(m[1]);
  const line = Number(m[3]);
  const end = m[4] === undefined ? null : Number(m[4]);
  if (!Number.isSafeInteger(step) || !Number.isSafeInteger(line) || line < 1) return null;
  let phase: LineAnchor['phase'];
  const raw = m[2] as string;
  const index = /^p(\d+)$/.exec(raw);
  if (index) phase = { index: Number(index[1]) };
  else {
    try {
      phase = decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  const endLine = end !== null && Number.isSafeInteger(end) && end > line ? end : null;
  return { step, phase, line, endLine };
}

/** How a phase is named in an anchor: its name when unique among `names` and not of the `pN` form, else `pINDEX`. */
export function phaseAnchorName(names: readonly string[], index: number): string {
  const name = names[index];
  if (name === undefined || name === '' || /^p\d+$/.test(name) || names.filter((n) => n === name).length > 1) return `p${index}`;
  return encodeURIComponent(name);
}

export function formatLineAnchor(step: number, phaseName: string, line: number, endLine: number | null = null): string {
  return `s${step}-${phaseName}-L${line}${endLine !== null && endLine > line ? `-L${endLine}` : ''}`;
}

/** The index of the phase an anchor names, among the step's phase names; null if none. */
export function resolveAnchorPhase(anchor: LineAnchor, names: readonly string[]): number | null {
  if (typeof anchor.phase !== 'string') return anchor.phase.index < names.length ? anchor.phase.index : null;
  const i = names.indexOf(anchor.phase);
  return i >= 0 ? i : null;
}
