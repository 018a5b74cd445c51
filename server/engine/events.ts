import type { RemoteLease } from './executors/leases';
import type { ExitStatus, OutputStream, PhaseOutcome, Verdict } from './types';
import type { CopySummary, TransferSample } from './phases/transfer-stats';

/** A commit as shown to users. */
export interface CommitInfo {
  sha: string;
  subject: string;
  author: string;
  authorEmail: string;
  date: string; // ISO 8601 author date
}

export interface CommitDetail extends CommitInfo {
  message: string;
  diffstat: string;
}

/** A commit with the probability that it is the first bad one (flaky mode). */
export type ProbableCommit = CommitInfo & { probability: number };

/** What the bisect found. */
export type BisectResult =
  /** `probability` is set in flaky mode: how sure the posterior is (exact mode: certain). */
  | { kind: 'culprit'; commit: CommitDetail; probability?: number; verification?: CulpritVerification }
  | { kind: 'candidates'; commits: CommitInfo[] }
  /** Flaky mode: the run budget was spent before any commit reached the target confidence. */
  | { kind: 'undecided'; confidence: number; commits: ProbableCommit[] }
  /** Flaky mode: the range does not fail beyond the rate at which good commits fail. */
  | { kind: 'noCulprit'; probability: number };

/** How one verification run ended: a verdict, or why it has none. */
export type VerifyRunOutcome = 'good' | 'bad' | 'skip' | 'conflict' | 'error' | 'notRun';

/**
 * The culprit checked after the bisect, as KernelCI reports do: the bad commit
 * with the culprit reverted (`git revert --no-commit`) must test good, and the
 * culprit's parent good again. Verification runs are steps of kind `verify`,
 * never bisect steps: they change neither the culprit nor the bisect log.
 */
export interface CulpritVerification {
  verified: boolean;
  /** One line: "verified: reverting it fixes the bad commit", or "not verified: <why>". */
  summary: string;
  revert: { step?: number; sha: string; outcome: VerifyRunOutcome; reason: string; conflicts?: string[] };
  parent: { step?: number; sha: string; outcome: VerifyRunOutcome; reason: string };
}

/**
 * What a strategy believes now, for the page: the best commit, failure-rate
 * estimates, runs so far and left, and the posterior as a band along the range.
 */
export interface StrategyView {
  kind: 'git' | 'bayes';
  /** Target confidence (flaky mode). */
  confidence?: number;
  best: { sha: string; position: number; probability: number } | null;
  /** Probability that no commit of the range is bad. */
  none: number;
  badFails: number;
  goodFails: number;
  runs: number;
  expectedRunsLeft: number;
  /** Posterior mass over range positions as half-open runs `[start, end, mass]`, at most a few hundred. */
  band: Array<[number, number, number]>;
}

/** Half-open runs [start, end) of positions in the range still suspected. */
export type SuspectRuns = Array<[number, number]>;

export interface RangeInfo {
  /** Number of commits in the original range, in git's order oldest → newest. */
  size: number;
  badSha: string;
  goodShas: string[];
  badPosition: number;
}

/**
 * Typed events the engine emits for one session, in order. The server assigns
 * them a per-session sequence number when it stores them.
 */
export type EngineEvent =
  | { type: 'sessionStarted'; range: RangeInfo; suspect: SuspectRuns; revisionsLeft: number; stepsLeft: number }
  | {
      type: 'stepStarted';
      step: number;
      commit: CommitInfo;
      position: number;
      revisionsLeft: number;
      stepsLeft: number;
      /** `check` steps test a given good/bad ref before bisecting (absent = bisect). */
      kind?: 'bisect' | 'check' | 'verify';
      /** Verification steps: the bad commit with the culprit reverted, or the culprit's parent. */
      verify?: 'revert' | 'parent';
      /** For checks: the verdict the ref must get. */
      expect?: 'good' | 'bad';
      /** Test slot (0-based) running the step, for sessions with slots. */
      slot?: number;
      /** The slot's role → host map. */
      hosts?: Record<string, string>;
      /** Per-commit phases were skipped: this step's slot built the commit in that step. */
      reusedBuildOf?: number;
    }
  | { type: 'phaseStarted'; step: number; phase: number; name: string; kind: string; on: string }
  | { type: 'output'; step: number; phase: number; stream: OutputStream; lines: string[] }
  | {
      type: 'phaseFinished';
      step: number;
      phase: number;
      status: ExitStatus;
      outcome: PhaseOutcome;
      ms: number;
      reason: string;
    }
  | {
      type: 'stepFinished';
      step: number;
      verdict: Verdict;
      term: string;
      reason: string;
      ms: number;
      /** Absent when the verdict was given by hand while the engine was stopped. */
      suspect?: SuspectRuns;
      revisionsLeft?: number;
      stepsLeft?: number;
      /** A person gave this verdict (a manual mark, or a changed earlier verdict). */
      manual?: boolean;
    }
  /** The recipe's patches for a step: applied in its worktree, already contained in the commit, or the one that failed. */
  | { type: 'patchesApplied'; step: number; applied: string[]; contained: string[]; failed?: { patch: string; message: string } }
  /** The step stopped before a verdict (server stopping, retry, manual verdict); it is kept for history. */
  | { type: 'stepInterrupted'; step: number; reason: string }
  /** Later verdicts no longer count because an earlier one was changed. */
  | { type: 'stepsSuperseded'; steps: number[]; reason: string }
  | { type: 'sessionPaused'; reason?: string }
  /** The strategy's view after a run (flaky mode and slots). */
  | { type: 'strategyUpdated'; view: StrategyView }
  | { type: 'sessionResumed'; reason: string }
  /** A finished session goes on (an earlier verdict was changed). */
  | { type: 'sessionReopened'; reason: string }
  /** A transfer phase starts copy `copy` of `copies` (1-based). */
  | {
      type: 'copyStarted';
      step: number;
      phase: number;
      copy: number;
      copies: number;
      payloadBytes: number;
      stallSec: number;
      copyTimeoutSec: number;
    }
  /** Throughput samples of the running copy, in order (about four a second, batched). */
  | { type: 'transferSample'; step: number; phase: number; copy: number; samples: TransferSample[] }
  /** A copy ended: its summary (the samples came before in `transferSample` events). */
  | ({ type: 'copyFinished'; step: number; phase: number } & CopySummary)
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The .config a kconfig phase made (at most 2 MiB: `truncated` when cut; `bytes` is the whole file's size). */
  | { type: 'stepConfig'; step: number; phase: number; name: string; text: string; bytes: number; truncated?: boolean }
  /** ccache's counters over one phase (a build), when ccache was used. */
  | { type: 'buildCache'; step: number; phase: number; hits: number; misses: number; hitRate: number }
  /** The culprit's verification ended (also in the session's result). */
  | { type: 'culpritVerified'; verification: CulpritVerification }
  /**
   * A remote command's process group while it runs (null: it ended), kept in
   * the event log so that a runner taking the session over on another machine
   * can kill what the previous one left running.
   */
  | { type: 'remoteLease'; step: number; phase: number; lease: RemoteLease | null }
  | {
      type: 'sessionFinished';
      status: 'done' | 'failed' | 'cancelled';
      result: BisectResult | null;
      bisectLog: string;
      error: string | null;
    };

/**
 * Receives engine events. `emit` may return a promise: the engine awaits it,
 * which is how a slow store applies backpressure to a fast-writing command.
 */
export interface EventSink {
  emit(event: EngineEvent): void | Promise<void>;
  /**
   * Optional: queues a structural event to be stored with the next one emitted
   * (in the same write, order kept) instead of in a write of its own. Only for
   * an event the engine follows at once with an awaited emit.
   */
  stage?(event: EngineEvent): void;
}

/** Stages `event` on a sink that can (see EventSink.stage), emits it otherwise. */
export async function stageEvent(sink: EventSink, event: EngineEvent): Promise<void> {
  if (sink.stage) sink.stage(event);
  else await sink.emit(event);
}
