import { mkdir } from 'node:fs/promises';
import { termFor } from './terms';
import path from 'node:path';
import { stageEvent, type BisectResult, type CommitInfo, type EngineEvent, type EventSink } from '../events';
import { reapLeftovers, reapOrphans, type GroupReaper, type OrphanLease } from '../executors/leases';
import type { Recipe } from '../recipe';
import { isInfraError, isUserInputError, type Executor, type Verdict } from '../types';
import { Bisection, type BisectState, type Mark, type StartOptions } from './bisection';
import { gitChoice, type NextCommitChooser } from './chooser';
import { RangeIndex, suspectsInRange } from './range';
import { GitRepo } from './repo';
import { runStep } from './step';
import type { ValidatedBisect } from './validate';
import type { StepDecision } from './verdict';
import { verifyResult } from './verify';

/** What was already decided when a session is resumed (the DB is the source of truth). */
export interface BisectHistory {
  /** Verdicts of bisect steps that still count, in the order they were given. */
  marks: Mark[];
  /** Number of the next step (step numbers are never reused). */
  nextStep: number;
  /** The good/bad refs were already checked (or checks are off). */
  checksDone: boolean;
  /** Every run that still counts, endpoint checks included, in order (strategies weigh them all). */
  observations?: Array<{ sha: string; verdict: Verdict; kind: 'bisect' | 'check' }>;
}

export interface BisectSessionOptions {
  sessionId: string;
  request: ValidatedBisect;
  recipe: Recipe;
  /** Directory for this session's detached worktree (kept while the session can go on). */
  worktree: string;
  /** Directory for per-step scratch files such as `$BISECT_ENV`. */
  scratchDir: string;
  /** Test the bad and good refs before bisecting (default true). */
  checkEndpoints?: boolean;
  /** Where to park the worktree for the next session of this repository (and to take it from). */
  spareWorktree?: string;
  /** Present when resuming a session that already ran. */
  history?: BisectHistory;
  /** Remote process groups an earlier runner recorded and never saw end (from the event log). */
  orphanLeases?: OrphanLease[];
}

export interface BisectDeps {
  sink: EventSink;
  executorFor: (on: string) => Executor;
  /** Aborting with reason INTERRUPT stops the session to be resumed later; any other reason cancels it. */
  signal: AbortSignal;
  chooser?: NextCommitChooser;
  /** Checked between steps: true stops after the current step, to be resumed later. */
  shouldPause?: () => boolean;
  /** Tries of a step that hits an infrastructure error before the session pauses (default 3). */
  infraAttempts?: number;
  infraRetryDelayMs?: number;
  /**
   * Takes the hosts a step uses for that step (across processes: a host runs
   * one step at a time) and resolves with their release; waits while another
   * step holds one. Absent: no locking.
   */
  hostLock?: HostLock;
}

export type HostLock = (hosts: string[], holder: { sessionId: string; step: number }, signal: AbortSignal) => Promise<() => Promise<void>>;

/** Abort reason that stops a session so it can be resumed (server stopping, a control). */
export const INTERRUPT = 'interrupt';

export type RunOutcome = 'done' | 'failed' | 'cancelled' | 'interrupted' | 'paused';

type Tested = StepDecision | { kind: 'interrupted' } | { kind: 'paused'; reason: string };

/**
 * Runs a bisect until it ends, is cancelled, paused or interrupted, and reports
 * everything through the sink. Never throws. Resuming with `history` continues
 * from the recorded verdicts, rebuilding git's state if the worktree disagrees.
 */
export async function runBisect(o: BisectSessionOptions, deps: BisectDeps): Promise<RunOutcome> {
  return new SessionRun(o, deps).run();
}

class SessionRun {
  private readonly r: ValidatedBisect;
  private readonly repo: GitRepo;
  private readonly bisection: Bisection;
  private readonly marks: Mark[];
  private step: number;
  private range = new RangeIndex([]);
  /** Subject, author and date of every commit in the range, read once. */
  private commits = new Map<string, CommitInfo>();
  /** Parents of every commit in the range, when suspects can be worked out without git (no paths, all parents). */
  private parents: Map<string, string[]> | null = null;

  constructor(
    private readonly o: BisectSessionOptions,
    private readonly deps: BisectDeps,
  ) {
    this.r = o.request;
    this.repo = new GitRepo(this.r.repoPath);
    this.bisection = new Bisection(this.r.repoPath, o.worktree, this.r.terms, o.spareWorktree);
    this.marks = [...(o.history?.marks ?? [])];
    this.step = o.history?.nextStep ?? 1;
  }

  private reaperFor(executor: string): GroupReaper | null {
    try {
      const e = this.deps.executorFor(executor) as Partial<GroupReaper>;
      return typeof e.reapGroup === 'function' ? (e as GroupReaper) : null;
    } catch {
      return null; // the host was removed since
    }
  }

  /** No phase of the recipe runs on a host, so a step never waits for a host lock before its first phase. */
  private get noHostWait(): boolean {
    return !this.deps.hostLock || this.o.recipe.phases.every((p) => p.on === 'local');
  }

  private get sink(): EventSink {
    return this.deps.sink;
  }

  private get startOptions(): StartOptions {
    const r = this.r;
    return { bad: r.badSha, good: r.goodShas, terms: r.terms, firstParent: r.firstParent, paths: r.paths };
  }

  async run(): Promise<RunOutcome> {
    let keepWorktree = false;
    try {
      await mkdir(this.o.scratchDir, { recursive: true });
      if (this.o.history) await reapLeftovers(this.o.scratchDir, this.o.sessionId, (m) => this.log('warn', m), (name) => this.reaperFor(name));
      await reapOrphans(this.o.orphanLeases ?? [], this.o.sessionId, (m) => this.log('warn', m), (name) => this.reaperFor(name), (o) =>
        Promise.resolve(this.sink.emit({ type: 'remoteLease', step: o.step, phase: o.phase, lease: null })),
      );
      const needChecks = (this.o.checkEndpoints ?? true) && !this.o.history?.checksDone;
      // The range's commit list (a read of the object store) and the worktree (writing a tree) do not
      // depend on each other: both at once.
      // Both settle before either's error is thrown (a failure must not retire a worktree still being made).
      const [range, worktree] = await Promise.allSettled([
        this.rangeInfos(),
        needChecks || !this.o.history ? this.makeWorktree(needChecks) : undefined,
      ]);
      if (range.status === 'rejected') throw range.reason;
      if (worktree.status === 'rejected') throw worktree.reason;
      const infos = range.value;
      this.range = new RangeIndex(infos.map((c) => c.sha));
      this.commits = new Map(infos.map((c) => [c.sha, c]));
      if (needChecks) {
        const checked = await this.runChecks();
        if (checked !== 'ok') {
          keepWorktree = checked === 'interrupted' || checked === 'paused';
          return checked;
        }
      }
      let state = await this.initialState(needChecks || !this.o.history);
      await this.sink.emit({
        type: 'sessionStarted',
        range: { size: this.range.size, badSha: this.r.badSha, goodShas: this.r.goodShas, badPosition: this.range.position(this.r.badSha) },
        suspect: this.range.size > 0 ? [[0, this.range.size]] : [],
        ...progress(state),
      });
      while (state.kind === 'testing') {
        if (this.deps.signal.aborted) {
          keepWorktree = this.deps.signal.reason === INTERRUPT;
          return keepWorktree ? 'interrupted' : await this.finish('cancelled', null, 'cancelled before the next step');
        }
        if (this.deps.shouldPause?.()) {
          keepWorktree = true;
          await this.sink.emit({ type: 'sessionPaused' });
          return 'paused';
        }
        const next = await this.bisectStep(state);
        if (typeof next === 'string') {
          keepWorktree = next === 'interrupted' || next === 'paused';
          return next;
        }
        state = next;
      }
      const result = await this.verify(await this.describeResult(state));
      if (result === 'interrupted') {
        keepWorktree = true;
        return 'interrupted';
      }
      return await this.finish('done', result, null);
    } catch (error) {
      return await this.finish(this.deps.signal.aborted ? 'cancelled' : 'failed', null, describeError(error));
    } finally {
      if (!keepWorktree) await this.bisection.retireWorktree().catch(() => undefined);
    }
  }

  /** The range's commits (and, without paths or first-parent, their parents), in one git call. */
  private async rangeInfos(): Promise<CommitInfo[]> {
    const r = this.r;
    if (r.paths.length > 0 || r.firstParent) return this.repo.rangeCommitInfos(r.badSha, r.goodShas, r.firstParent, r.paths);
    const { infos, parents } = await this.repo.rangeCommitInfosWithParents(r.badSha, r.goodShas, false);
    this.parents = parents;
    return infos;
  }

  /**
   * The commits still suspected, as `git rev-list refs/bisect/bad --not refs/bisect/good-*`
   * answers: from the range's parents and the session's marks (git's refs mirror them) when
   * it has them, from git otherwise.
   */
  private async suspects(): Promise<string[]> {
    if (this.parents) {
      const bad = this.marks.findLast((m) => m.verdict === 'bad')?.sha ?? this.r.badSha;
      const goods = this.marks.filter((m) => m.verdict === 'good').map((m) => m.sha);
      const known = suspectsInRange(this.parents, bad, goods);
      if (known) return known;
    }
    return this.bisection.suspects(this.r.firstParent, this.r.paths);
  }

  /**
   * The session's worktree. Without endpoint checks it is written at the commit
   * `git bisect start` will pick (`rev-list --bisect`, git's own choice) rather
   * than at the bad one: start then finds it checked out, and the tree is
   * written once, not once and then half again. If the guess were off, start
   * simply checks out its own pick: the answer is git's either way.
   */
  private async makeWorktree(needChecks: boolean): Promise<void> {
    if (needChecks) return this.bisection.createWorktree(this.r.badSha, { exact: true });
    const first = await this.repo.bisectPick(this.r.badSha, this.r.goodShas, this.r.firstParent, this.r.paths).catch(() => null);
    return this.bisection.createWorktree(first ?? this.r.badSha, { exact: false });
  }

  /** One bisect step: test git's (or the chooser's) commit, record the verdict, mark it in git. */
  private async bisectStep(state: Extract<BisectState, { kind: 'testing' }>): Promise<BisectState | RunOutcome> {
    const sha = await (this.deps.chooser ?? gitChoice).next(state, this.bisection);
    const started = Date.now();
    const step = this.step++;
    const tested = await this.test(step, sha, { kind: 'bisect', ...progress(state) });
    if (tested.kind === 'interrupted') return 'interrupted';
    if (tested.kind === 'paused') return 'paused';
    if (tested.kind === 'abort') {
      const cancelled = this.deps.signal.aborted;
      return this.finish(cancelled ? 'cancelled' : 'failed', null, `step ${step} aborted the bisect: ${tested.reason}`);
    }
    const next = await this.markConsistently(tested.verdict, sha);
    const finished: EngineEvent = {
      type: 'stepFinished',
      step,
      verdict: tested.verdict,
      term: this.term(tested.verdict),
      reason: tested.reason,
      ms: Date.now() - started,
      suspect: this.range.runs(await this.suspects()),
      ...progress(next),
    };
    // Another step follows at once (git's pick, no host to wait for): the verdict is stored in the same
    // write as that step's start, a moment later. Otherwise (the end, a chooser's own work) now.
    if (next.kind === 'testing' && !this.deps.chooser && this.noHostWait) await stageEvent(this.sink, finished);
    else await this.sink.emit(finished);
    return next;
  }

  /** Tests the bad and good refs before bisecting; a wrong range stops early with a clear message. */
  private async runChecks(): Promise<'ok' | RunOutcome> {
    const targets: Array<[string, 'good' | 'bad']> = [[this.r.badSha, 'bad'], ...this.r.goodShas.map((g): [string, 'good'] => [g, 'good'])];
    for (const [sha, expect] of targets) {
      await this.bisection.checkout(sha);
      const step = this.step++;
      const started = Date.now();
      const tested = await this.test(step, sha, { kind: 'check', expect, revisionsLeft: this.range.size, stepsLeft: 0 });
      if (tested.kind === 'interrupted' || tested.kind === 'paused') return tested.kind;
      if (tested.kind === 'abort') {
        return this.finish(this.deps.signal.aborted ? 'cancelled' : 'failed', null, `checking the ${this.term(expect)} commit aborted: ${tested.reason}`);
      }
      await this.sink.emit({ type: 'stepFinished', step, verdict: tested.verdict, term: this.term(tested.verdict), reason: tested.reason, ms: Date.now() - started });
      if (tested.verdict === 'skip') {
        await this.log('warn', `the ${this.term(expect)} commit ${sha.slice(0, 12)} could not be tested (skip): bisecting anyway`);
      } else if (tested.verdict !== expect) {
        const message =
          `the ${this.term(expect)} commit ${sha.slice(0, 12)} tests ${this.term(tested.verdict)} (${tested.reason}): ` +
          `the range or the recipe is wrong, so nothing was bisected. Check the refs and the reproducer, or turn off "check the endpoints first".`;
        return this.finish('failed', null, message);
      }
    }
    return 'ok';
  }

  /** Runs a commit's phases, retrying infrastructure errors; interruptions are reported, not judged. */
  private async test(step: number, sha: string, meta: { kind: 'bisect' | 'check'; expect?: 'good' | 'bad'; revisionsLeft: number; stepsLeft: number }): Promise<Tested> {
    const commit: CommitInfo = this.commits.get(sha) ?? (await this.repo.commitInfo(sha));
    const attempts = this.deps.infraAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const position = meta.kind === 'check' && meta.expect === 'good' ? -1 : this.range.position(sha);
      // Stored with the first phaseStarted (one write), unless the step may first wait for a host.
      const started: EngineEvent = { type: 'stepStarted', step, commit, position, ...meta };
      if (this.noHostWait) await stageEvent(this.sink, started);
      else await this.sink.emit(started);
      try {
        const decision = await runStep({
          ...this.runContext(),
          step,
          sha,
          worktree: this.o.worktree,
          finishInBackground: true,
        });
        if (this.deps.signal.aborted && this.deps.signal.reason === INTERRUPT) {
          await this.sink.emit({ type: 'stepInterrupted', step, reason: 'stopped to be resumed' });
          return { kind: 'interrupted' };
        }
        if (await this.worktreeDrifted(sha)) {
          // A verdict from a tree that vanished or moved mid-step means nothing: test again.
          await this.sink.emit({ type: 'stepInterrupted', step, reason: 'the worktree was deleted or moved during the step' });
          await this.log('warn', `the worktree was deleted or moved while step ${step} ran: rebuilding it and testing ${sha.slice(0, 12)} again`);
          await this.restoreWorktree(sha, meta.kind);
          step = this.step++;
          continue;
        }
        return decision;
      } catch (error) {
        if (!isInfraError(error)) throw error;
        if (await this.worktreeDrifted(sha)) {
          // The phase could not even start because its worktree vanished: rebuild it, test again.
          await this.sink.emit({ type: 'stepInterrupted', step, reason: 'the worktree was deleted or moved during the step' });
          await this.log('warn', `the worktree was deleted or moved while step ${step} ran: rebuilding it and testing ${sha.slice(0, 12)} again`);
          await this.restoreWorktree(sha, meta.kind);
          attempt--;
          step = this.step++;
          continue;
        }
        await this.sink.emit({ type: 'stepInterrupted', step, reason: `infrastructure error: ${error.message}` });
        if (attempt >= attempts) {
          const reason = `infrastructure error (no verdict recorded): ${error.message}. Fix the host, then resume.`;
          await this.log('error', reason);
          await this.sink.emit({ type: 'sessionPaused', reason });
          return { kind: 'paused', reason };
        }
        await this.log('warn', `infrastructure error, trying the commit again (${attempt}/${attempts - 1}): ${error.message}`);
        await sleep(this.deps.infraRetryDelayMs ?? 10_000, this.deps.signal);
        if (this.deps.signal.aborted) return this.deps.signal.reason === INTERRUPT ? { kind: 'interrupted' } : { kind: 'abort', reason: 'cancelled' };
        step = this.step++;
      }
    }
  }

  /** Git's state at (re)start: a fresh worktree gets `start` plus the recorded marks. */
  private async initialState(justCreated: boolean): Promise<BisectState> {
    if (justCreated) return this.bisection.rebuild(this.startOptions, this.marks, this.replayFile(), false);
    return (await this.syncGit()) ?? this.bisection.current();
  }

  private async worktreeDrifted(sha: string): Promise<boolean> {
    return (await this.bisection.head().catch(() => null)) !== sha;
  }

  /** Puts the worktree back at `sha` with git's bisect state equal to the record. */
  private async restoreWorktree(sha: string, kind: 'bisect' | 'check'): Promise<void> {
    if (kind === 'bisect') await this.syncGit();
    else await this.bisection.createWorktree(sha);
    await this.bisection.checkout(sha);
  }

  /**
   * Marks a verdict in git. The step already checked that the worktree still
   * sits at the commit; if git's bisect state was lost anyway, it is brought
   * in line with the record and the mark is given again.
   */
  private async markConsistently(verdict: Verdict, sha: string): Promise<BisectState> {
    this.marks.push({ sha, verdict });
    try {
      return await this.bisection.mark(verdict, sha);
    } catch {
      this.marks.pop();
      await this.syncGit();
      this.marks.push({ sha, verdict });
      return this.bisection.mark(verdict, sha);
    }
  }

  /**
   * Makes git's bisect state in the worktree equal the recorded marks (the DB
   * is the source of truth). Returns the new state, or null when it already was.
   * Missing trailing marks (a verdict given by hand, a crash between storing a
   * verdict and telling git) are applied; anything else is replayed from scratch.
   */
  private async syncGit(): Promise<BisectState | null> {
    const recorded = await this.bisection.recordedMarks();
    if (recorded && isPrefix(recorded, this.marks)) {
      let state: BisectState | null = null;
      for (const m of this.marks.slice(recorded.length)) state = await this.bisection.mark(m.verdict, m.sha);
      return state;
    }
    if (recorded === null) {
      await this.announceRebuild();
      return this.bisection.rebuild(this.startOptions, this.marks, this.replayFile(), true);
    }
    await this.log('info', `an earlier verdict changed: replaying the ${this.marks.length} verdicts that still count`);
    return this.bisection.rebuild(this.startOptions, this.marks, this.replayFile(), false);
  }

  private async announceRebuild(): Promise<void> {
    await this.log(
      'warn',
      `the worktree's git bisect state is gone (worktree deleted or bisect reset by hand): rebuilding it from the ${this.marks.length} recorded verdicts, as git bisect replay would`,
    );
  }

  private replayFile(): string {
    return path.join(this.o.scratchDir, 'replay.log');
  }

  private term(verdict: Verdict): string {
    return termFor(verdict, this.r.terms);
  }

  private async log(level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    await this.sink.emit({ type: 'log', level, message });
  }

  private async describeResult(state: BisectState): Promise<BisectResult> {
    if (state.kind === 'culprit') return { kind: 'culprit', commit: await this.repo.commitDetail(state.sha, this.commits.get(state.sha)) };
    if (state.kind === 'candidates') return { kind: 'candidates', commits: await this.repo.commitInfos(state.shas) };
    throw new Error('bisect has not ended');
  }

  /** What every run of the recipe in this session gets, a bisect step or a verification run. */
  private runContext() {
    return {
      sessionId: this.o.sessionId,
      repoDir: this.r.repoPath,
      scratchDir: this.o.scratchDir,
      terms: this.r.terms,
      recipe: this.o.recipe,
      sink: this.sink,
      executorFor: this.deps.executorFor,
      signal: this.deps.signal,
      hostLock: this.deps.hostLock,
    };
  }

  /** Verifies a culprit (recipe `verify`, default on in exact mode): see verify.ts. */
  private async verify(result: BisectResult): Promise<BisectResult | 'interrupted'> {
    if (this.o.recipe.verify === false) return result;
    return verifyResult(
      {
        ...this.runContext(),
        bisection: this.bisection,
        nextStep: () => this.step++,
        commitInfo: async (sha) => this.commits.get(sha) ?? (await this.repo.commitInfo(sha)),
        position: (sha) => this.range.position(sha),
      },
      result,
      this.r.badSha,
    );
  }

  private async finish(status: 'done' | 'failed' | 'cancelled', result: BisectResult | null, error: string | null): Promise<RunOutcome> {
    const bisectLog = await this.bisection.log().catch(() => '');
    await this.sink.emit({ type: 'sessionFinished', status, result, bisectLog, error });
    return status;
  }
}

function progress(state: BisectState): { revisionsLeft: number; stepsLeft: number } {
  return state.kind === 'testing' ? { revisionsLeft: state.revisionsLeft, stepsLeft: state.stepsLeft } : { revisionsLeft: 0, stepsLeft: 0 };
}

function isPrefix(prefix: Mark[], of: Mark[]): boolean {
  return prefix.length <= of.length && prefix.every((m, i) => m.sha === of[i]?.sha && m.verdict === of[i]?.verdict);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** A session's failure as the user reads it: infrastructure errors say no verdict was recorded. */
export function describeError(error: unknown): string {
  if (isInfraError(error)) return `infrastructure error (no verdict recorded): ${error.message}`;
  if (isUserInputError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
