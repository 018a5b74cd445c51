/**
 * The JSON export of a session: what was asked, every step with its verdict,
 * phases and timings, the result, the `git bisect log`, and summaries of
 * timings and transfer throughput. A plain document for scripts and archives;
 * `format`/`version` say how to read it.
 */
import type { SessionDetail } from '../../db/queries/sessions';
import { sessionBisectLog } from './bisect-log';

export const EXPORT_FORMAT = 'bisect-dashboard.session';
export const EXPORT_VERSION = 1;

/** One finished copy of a transfer phase, as its `copyFinished` event recorded it. */
export interface ExportTransfer {
  step: number | null;
  phase: number | null;
  [field: string]: unknown;
}

export interface PhaseTimingSummary {
  name: string;
  kind: string;
  runs: number;
  totalMs: number;
  meanMs: number | null;
  medianMs: number | null;
  maxMs: number | null;
  failed: number;
}

export interface SessionExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  session: {
    id: string;
    title: string;
    origin: string;
    status: string;
    createdAt: string;
    finishedAt: string | null;
    repoPath: string;
    bad: { ref: string; sha: string };
    good: Array<{ ref: string; sha: string }>;
    terms: { old: string; new: string };
    firstParent: boolean;
    paths: string[];
    recipe: unknown;
    rangeSize: number | null;
    error: string | null;
    /** How verdicts were weighed: git's exact rules or Bayes for a flaky reproducer. */
    strategy: SessionDetail['session']['strategy'];
    /** Test slots that ran steps at once (host names are in the recipe's slots, not here). */
    slotCount: number;
  };
  result: SessionDetail['session']['result'];
  steps: Array<{
    step: number;
    commit: { sha: string; subject: string; author: string; authorEmail: string; date: string };
    position: number;
    verdict: string | null;
    term: string | null;
    reason: string | null;
    startedAt: string;
    ms: number | null;
    revisionsLeftBefore: number;
    stepsLeftBefore: number;
    suspectAfter: Array<[number, number]> | null;
    /** Columns other engines add to steps (kind, state, manual, …), passed through as they are. */
    extra: Record<string, unknown>;
    phases: Array<{
      phase: number;
      name: string;
      kind: string;
      on: string;
      status: string;
      outcome: string | null;
      exitCode: number | null;
      signal: string | null;
      reason: string | null;
      lines: number;
      startedAt: string;
      ms: number | null;
    }>;
  }>;
  summary: {
    steps: number;
    verdicts: { good: number; bad: number; skip: number; none: number };
    /** Sum of step durations (time spent testing, not wall clock). */
    testingMs: number;
    meanStepMs: number | null;
    /** From creation to the end, when finished. */
    wallClockMs: number | null;
    phases: PhaseTimingSummary[];
    throughput: {
      copies: number;
      bytes: number;
      ms: number;
      /** bytes / ms over every copy, in MB/s (10^6 bytes); null without transfers. */
      meanMBps: number | null;
      minMBps: number | null;
      maxMBps: number | null;
    };
  };
  /** Every finished copy of every transfer phase, in order. */
  transfers: ExportTransfer[];
  bisectLog: string;
}

const STEP_KNOWN = new Set([
  'sessionId', 'step', 'commit', 'position', 'revisionsLeft', 'stepsLeft', 'verdict', 'term', 'reason', 'suspect', 'startedAt', 'ms', 'phases',
]);

export function buildSessionExport(d: SessionDetail, transfers: ExportTransfer[], exportedAt: Date): SessionExport {
  const s = d.session;
  const stepMs = d.steps.map((st) => st.ms).filter((m): m is number => m !== null);
  const verdicts = { good: 0, bad: 0, skip: 0, none: 0 };
  for (const st of d.steps) verdicts[st.verdict ?? 'none']++;
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: exportedAt.toISOString(),
    session: {
      id: s.id,
      title: s.title,
      origin: (s as { origin?: string }).origin ?? 'run',
      status: s.status,
      createdAt: s.createdAt.toISOString(),
      finishedAt: s.finishedAt?.toISOString() ?? null,
      repoPath: s.repoPath,
      bad: { ref: s.bad, sha: s.badSha },
      good: s.good.map((ref, i) => ({ ref, sha: s.goodShas[i] ?? '' })),
      terms: { old: s.termOld, new: s.termNew },
      firstParent: s.firstParent,
      paths: s.paths,
      recipe: s.recipe,
      rangeSize: s.rangeSize,
      error: s.error,
      strategy: s.strategy ?? { kind: 'git' },
      slotCount: s.slots?.length ?? 1,
    },
    result: s.result,
    steps: d.steps.map((st) => ({
      step: st.step,
      commit: { sha: st.commit.sha, subject: st.commit.subject, author: st.commit.author, authorEmail: st.commit.authorEmail, date: st.commit.date },
      position: st.position,
      verdict: st.verdict,
      term: st.term,
      reason: st.reason,
      startedAt: st.startedAt.toISOString(),
      ms: st.ms,
      revisionsLeftBefore: st.revisionsLeft,
      stepsLeftBefore: st.stepsLeft,
      suspectAfter: st.suspect,
      extra: Object.fromEntries(Object.entries(st).filter(([k]) => !STEP_KNOWN.has(k))),
      phases: st.phases.map((p) => ({
        phase: p.phase,
        name: p.name,
        kind: p.kind,
        on: p.on,
        status: p.status,
        outcome: p.outcome,
        exitCode: p.exitCode,
        signal: p.signal,
        reason: p.reason,
        lines: p.lineCount,
        startedAt: p.startedAt.toISOString(),
        ms: p.ms,
      })),
    })),
    summary: {
      steps: d.steps.length,
      verdicts,
      testingMs: sum(stepMs),
      meanStepMs: stepMs.length > 0 ? Math.round(sum(stepMs) / stepMs.length) : null,
      wallClockMs: s.finishedAt ? s.finishedAt.getTime() - s.createdAt.getTime() : null,
      phases: phaseSummaries(d),
      throughput: throughput(transfers),
    },
    transfers,
    bisectLog: sessionBisectLog(d),
  };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

/** Timings per phase name, in recipe order of first appearance. */
function phaseSummaries(d: SessionDetail): PhaseTimingSummary[] {
  const by = new Map<string, { kind: string; ms: number[]; runs: number; failed: number }>();
  for (const st of d.steps) {
    for (const p of st.phases) {
      let e = by.get(p.name);
      if (!e) by.set(p.name, (e = { kind: p.kind, ms: [], runs: 0, failed: 0 }));
      e.runs++;
      if (p.ms !== null) e.ms.push(p.ms);
      if (p.status !== 'passed' && p.status !== 'running') e.failed++;
    }
  }
  return [...by].map(([name, e]) => ({
    name,
    kind: e.kind,
    runs: e.runs,
    totalMs: sum(e.ms),
    meanMs: e.ms.length > 0 ? Math.round(sum(e.ms) / e.ms.length) : null,
    medianMs: median(e.ms),
    maxMs: e.ms.length > 0 ? Math.max(...e.ms) : null,
    failed: e.failed,
  }));
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function throughput(transfers: ExportTransfer[]): SessionExport['summary']['throughput'] {
  let bytes = 0;
  let ms = 0;
  const rates: number[] = [];
  for (const t of transfers) {
    bytes += num(t.bytes) ?? 0;
    ms += num(t.ms) ?? 0;
    const r = num(t.meanMBps);
    if (r !== null) rates.push(r);
  }
  return {
    copies: transfers.length,
    bytes,
    ms,
    meanMBps: ms > 0 ? Math.round((bytes / 1e6 / (ms / 1000)) * 100) / 100 : null,
    minMBps: rates.length > 0 ? Math.min(...rates) : null,
    maxMBps: rates.length > 0 ? Math.max(...rates) : null,
  };
}
