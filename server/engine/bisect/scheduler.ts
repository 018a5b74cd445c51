import { mkdir } from 'node:fs/promises';
import { termFor } from './terms';
import path from 'node:path';
import type { BisectResult, CommitInfo, EngineEvent } from '../events';
import type { Recipe } from '../recipe';
import { reapLeftovers, reapOrphans, type GroupReaper } from '../executors/leases';
import { createBayesStrategy } from '../strategy/bayes';
import { createExactStrategy } from '../strategy/exact';
import { DEFAULT_CONFIDENCE, type StrategySpec, type TestSlot } from '../strategy/spec';
import { OUTSIDE, type Strategy, type StrategyResult } from '../strategy/types';
import { assertNever, type Verdict } from '../types';
import { Bisection, type Mark, type StartOptions } from './bisection';
import { RangeIndex } from './range';
import { GitRepo } from './repo';
import { describeError, INTERRUPT, sleep, type BisectDeps, type BisectSessionOptions, type RunOutcome } from './session';
import { ANSWERED, MOOT, runJob, type JobContext, type JobEnd, type JobSpec, type Slot, type StopReason } from './slot-job';
import { verifyResult } from './verify';
import { impliedMarks, outcomeOf, RangeDag, replayOrder, runCountComments, strategyView, suspectRuns } from './strategy-view';

export interface SlotBisectOptions extends BisectSessionOptions {
  strategy: StrategySpec;
  /** Test slots (role → host maps); `[{}]` for one slot whose phases name hosts directly. */
  slots: TestSlot[];
}

/** A step running on a slot. */
interface Job {
  spec: JobSpec;
  slot: Slot;
  index: number;
  controller: AbortController;
  started: number;
  attempt: number;
  /** Runs already observed from inside the step (a transfer's copies, when each copy is a run). */
  copyRuns: number;
  done: Promise<{ job: Job; end: JobEnd }>;
}

/**
 * Runs a bisect whose commits a strategy chooses: git's rules over k slots at
 * once, or a Bayesian weighing of a flaky reproducer's runs (one slot or many).
 * Every run is a step and one observation; a slot that frees up gets new work
 * at once, and a step made moot by another result is cancelled and said so.
 * git stays the source of the commit graph, the checkouts and the exported log:
 * the answer's marks are replayed with `git bisect replay` at the end.
 */
export async function runSlotBisect(o: SlotBisectOptions, deps: BisectDeps): Promise<RunOutcome> {
  return new SlotRun(o, deps).run();
}

class SlotRun {
  private readonly repo: GitRepo;
  private readonly slots: Slot[];
  private readonly running = new Map<Slot, Job>();
  /** Every run that counts, in order: bisect and check steps. */
  private readonly observed: Array<{ sha: string; verdict: Verdict; kind: 'bisect' | 'check' }>;
  private step: number;
  private dag = new RangeDag([], { size: 0, parents: [] });
  private range = new RangeIndex([]);
  private commits = new Map<string, CommitInfo>();
  private strategy!: Strategy;
  private pausedReason: string | null = null;
  private ending: RunOutcome | null = null;

  constructor(
    private readonly o: SlotBisectOptions,
    private readonly deps: BisectDeps,
  ) {
    const r = o.request;
    this.repo = new GitRepo(r.repoPath);
    this.slots = o.slots.map((hosts, index) => ({
      index,
      hosts,
      bisection: new Bisection(r.repoPath, slotWorktree(o.worktree, index), r.terms, index === 0 ? o.spareWorktree : undefined),
      built: null,
      busy: false,
    }));
    this.observed = [...(o.history?.observations ?? [])];
    this.step = o.history?.nextStep ?? 1;
  }

  private get isBayes(): boolean {
    return this.o.strategy.kind === 'bayes';
  }

  private get startOptions(): StartOptions {
    const r = this.o.request;
    return { bad: r.badSha, good: r.goodShas, terms: r.terms, firstParent: r.firstParent, paths: r.paths };
  }

  async run(): Promise<RunOutcome> {
    let keep = false;
    try {
      await this.prepare();
      const outcome = await this.loop();
      keep = outcome === 'interrupted' || outcome === 'paused';
      return outcome;
    } catch (error) {
      await this.stopAll('cancel');
      return this.finish(this.deps.signal.aborted ? 'cancelled' : 'failed', null, describeError(error));
    } finally {
      if (!keep) await this.retireWorktrees();
    }
  }

  private async prepare(): Promise<void> {
    const r = this.o.request;
    await mkdir(this.o.scratchDir, { recursive: true });
    if (this.o.history) {
      await reapLeftovers(this.o.scratchDir, this.o.sessionId, (m) => this.log('warn', m), (name) => this.reaperFor(name));
    }
    await reapOrphans(this.o.orphanLeases ?? [], this.o.sessionId, (m) => this.log('warn', m), (name) => this.reaperFor(name), (o) =>
      Promise.resolve(this.sink.emit({ type: 'remoteLease', step: o.step, phase: o.phase, lease: null })),
    );
    const [infos, graph] = await Promise.all([
      this.repo.rangeCommitInfos(r.badSha, r.goodShas, r.firstParent, r.paths),
      this.repo.rangeGraph(r.badSha, r.goodShas, r.firstParent, r.paths),
    ]);
    this.range = new RangeIndex(infos.map((c) => c.sha));
    this.commits = new Map(infos.map((c) => [c.sha, c]));
    this.dag = new RangeDag(graph.shas, { size: graph.shas.length, parents: graph.parents });
    this.strategy = this.makeStrategy();
    for (const ob of this.observed) this.feed(ob);
    for (const slot of this.slots) await slot.bisection.createWorktree(r.badSha, { exact: false });
    await this.sink.emit({
      type: 'sessionStarted',
      range: { size: this.range.size, badSha: r.badSha, goodShas: r.goodShas, badPosition: this.range.position(r.badSha) },
      suspect: this.range.size > 0 ? [[0, this.range.size]] : [],
      ...this.progress(),
    });
    if (this.isBayes) await this.sink.emit({ type: 'strategyUpdated', view: this.view() });
  }

  private makeStrategy(): Strategy {
    const spec = this.o.strategy;
    if (spec.kind === 'git') return createExactStrategy(this.dag.graph);
    const perCommit = this.o.recipe.phases.some((p) => p.per === 'commit');
    const { kind: _kind, ...options } = spec;
    return createBayesStrategy(this.dag.graph, { ...options, costs: perCommit ? { build: 10, run: 1 } : { build: 0, run: 1 } });
  }

  /** Feeds one recorded run to the strategy (checks of good endpoints are runs outside the range). */
  private feed(ob: { sha: string; verdict: Verdict; kind: 'bisect' | 'check' }): void {
    if (ob.kind === 'check' && !this.isBayes) return;
    this.strategy.observe(this.dag.indexOf(ob.sha), outcomeOf(ob.verdict));
  }

  private async loop(): Promise<RunOutcome> {
    const checks = this.pendingChecks();
    for (;;) {
      if (this.ending) return this.ending;
      if (this.deps.signal.aborted) return this.stopped();
      const result = this.strategy.result();
      if (result.kind !== 'testing' && checks.length === 0 && !this.runningChecks()) {
        await this.stopAll(ANSWERED);
        return this.conclude(result);
      }
      if (!this.pausedReason && !this.deps.shouldPause?.()) this.fill(checks);
      if (this.running.size === 0) return this.idle(result);
      const { job, end } = await Promise.race([...this.running.values()].map((j) => j.done));
      await this.settle(job, end, checks);
    }
  }

  /** Nothing runs: paused, or ended. */
  private async idle(result: StrategyResult): Promise<RunOutcome> {
    if (this.pausedReason) {
      await this.sink.emit({ type: 'sessionPaused', reason: this.pausedReason });
      return 'paused';
    }
    if (this.deps.shouldPause?.()) {
      await this.sink.emit({ type: 'sessionPaused' });
      return 'paused';
    }
    if (result.kind !== 'testing') return this.conclude(result);
    return this.finish('failed', null, 'the strategy found nothing left to test before reaching an answer (every remaining commit was skipped?)');
  }

  /** Endpoint checks still to run: the bad ref, then each good ref (all in parallel when there are slots). */
  private pendingChecks(): Array<{ sha: string; expect: 'good' | 'bad' }> {
    if (!(this.o.checkEndpoints ?? true) || this.o.history?.checksDone) return [];
    const r = this.o.request;
    return [{ sha: r.badSha, expect: 'bad' as const }, ...r.goodShas.map((sha) => ({ sha, expect: 'good' as const }))];
  }

  /** Gives every free slot work: endpoint checks first, then the strategy's choices. */
  private fill(checks: Array<{ sha: string; expect: 'good' | 'bad' }>): void {
    let free = this.slots.filter((s) => !s.busy);
    while (free.length > 0 && checks.length > 0) {
      const check = checks.shift() as { sha: string; expect: 'good' | 'bad' };
      this.launch(free.shift() as Slot, check.sha, 'check', check.expect);
    }
    if (free.length === 0 || checks.length > 0 || this.runningChecks()) return;
    const busy = [...this.running.values()].map((j) => j.index);
    const built = this.slots.filter((s) => s.built).map((s) => this.dag.indexOf((s.built as { sha: string }).sha));
    // Flaky mode may ask for a run on a good endpoint (OUTSIDE): it tells "the first commit is bad" from "nothing is".
    for (const pick of this.strategy.next(free.length, { busy, built, outside: this.isBayes })) {
      const sha = pick === OUTSIDE ? (this.o.request.goodShas[0] as string) : this.dag.sha(pick);
      const slot = free.find((s) => s.built?.sha === sha) ?? free[0];
      if (!slot) break;
      free = free.filter((s) => s !== slot);
      if (pick === OUTSIDE) this.launch(slot, sha, 'check', 'good');
      else this.launch(slot, sha, 'bisect');
    }
  }

  /** In exact mode the range must be confirmed before bisecting; in flaky mode checks are ordinary runs. */
  private runningChecks(): boolean {
    return !this.isBayes && [...this.running.values()].some((j) => j.spec.kind === 'check');
  }

  private launch(slot: Slot, sha: string, kind: 'bisect' | 'check', expect?: 'good' | 'bad', attempt = 1, delayMs = 0): void {
    const step = this.step++;
    const index = this.dag.indexOf(sha);
    const commit = this.commits.get(sha) ?? { sha, subject: '', author: '', authorEmail: '', date: '' };
    const position = kind === 'check' && expect === 'good' ? -1 : this.range.position(sha);
    const spec: JobSpec = { step, sha, commit, position, kind, ...(expect ? { expect } : {}), ...this.progress() };
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.deps.signal.reason);
    if (this.deps.signal.aborted) onAbort();
    else this.deps.signal.addEventListener('abort', onAbort, { once: true });
    slot.busy = true;
    const job: Job = { spec, slot, index, controller, started: Date.now(), attempt, copyRuns: 0, done: null as never };
    job.done = sleep(delayMs, controller.signal)
      .then(() => this.commitInfo(sha))
      .then((info) => runJob(this.jobContext(job), slot, { ...spec, commit: info }, controller.signal))
      .catch((error: unknown): JobEnd => ({ kind: 'infra', message: error instanceof Error ? error.message : String(error) }))
      .then((end) => {
        this.deps.signal.removeEventListener('abort', onAbort);
        return { job, end };
      });
    this.running.set(slot, job);
  }

  private async commitInfo(sha: string): Promise<CommitInfo> {
    return this.commits.get(sha) ?? (await this.repo.commitInfo(sha));
  }

  private jobContext(job: Job): JobContext {
    const ctx: JobContext = {
      sessionId: this.o.sessionId,
      scratchDir: this.o.scratchDir,
      terms: this.o.request.terms,
      recipe: this.o.recipe,
      sink: this.sink,
      executorFor: this.deps.executorFor,
      hostLock: this.deps.hostLock,
      sharedHosts: sharedHosts(this.o.slots),
      repoDir: this.o.request.repoPath,
    };
    if (!this.isBayes || this.copyRunPhases.size === 0) return ctx;
    return {
      ...ctx,
      sink: { emit: (e) => this.emitCountingCopies(job, e) },
      moreRuns: () => this.wantsAnotherRun(job),
    };
  }

  /** Flaky mode, each copy a run: a finished copy is an observation of its own, stored with the copy. */
  private async emitCountingCopies(job: Job, e: EngineEvent): Promise<void> {
    await this.sink.emit(e);
    if (e.type !== 'copyFinished' || !this.copyRunPhases.has(e.phase)) return;
    const ob = { sha: job.spec.sha, verdict: copyVerdict(e.outcome), kind: job.spec.kind };
    this.observed.push(ob);
    this.feed(ob);
    job.copyRuns++;
    await this.sink.emit({ type: 'strategyUpdated', view: this.view() });
  }

  /** Would the strategy spend the next run on this job's commit (already built here)? */
  private wantsAnotherRun(job: Job): boolean {
    if (this.strategy.result().kind !== 'testing') return false;
    const busy = [...this.running.values()].filter((j) => j !== job).map((j) => j.index);
    return this.strategy.next(1, { busy, built: [job.index] })[0] === job.index;
  }

  /** Recipe phases whose copies are runs (flaky mode). */
  private get copyRunPhases(): Set<number> {
    return copyRunPhases(this.o.recipe);
  }

  /** Records how a job ended and what follows from it. */
  private async settle(job: Job, end: JobEnd, checks: Array<{ sha: string; expect: 'good' | 'bad' }>): Promise<void> {
    this.running.delete(job.slot);
    job.slot.busy = false;
    switch (end.kind) {
      case 'tested':
        return this.recordTested(job, end.outcome, checks);
      case 'stopped':
        return this.recordStopped(job, end.why);
      case 'infra':
        return this.recordInfra(job, end.message);
      default:
        assertNever(end);
    }
  }

  private async recordTested(job: Job, outcome: Extract<JobEnd, { kind: 'tested' }>['outcome'], checks: unknown[]): Promise<void> {
    job.slot.built = outcome.prepared ? { sha: job.spec.sha, step: job.spec.step, env: outcome.env } : null;
    if (outcome.kind === 'abort') {
      await this.stopAll('cancel');
      this.ending = await this.finish('failed', null, `step ${job.spec.step} aborted the bisect: ${outcome.reason}`);
      return;
    }
    const { verdict, reason } = outcome;
    if (job.copyRuns === 0) {
      // A step whose copies were its runs was observed copy by copy already.
      const ob = { sha: job.spec.sha, verdict, kind: job.spec.kind };
      this.observed.push(ob);
      this.feed(ob);
    }
    await this.sink.emit({
      type: 'stepFinished',
      step: job.spec.step,
      verdict,
      term: this.term(verdict),
      reason,
      ms: Date.now() - job.started,
      ...(job.spec.kind === 'bisect' ? { suspect: this.suspects(), ...this.progress() } : {}),
    });
    if (this.isBayes) await this.sink.emit({ type: 'strategyUpdated', view: this.view() });
    if (job.spec.kind === 'check') await this.judgeCheck(job, verdict, reason, checks);
    else await this.cancelMoot(job.spec.step);
  }

  /** Exact mode: an endpoint that tests the wrong way stops the session before any bisecting. */
  private async judgeCheck(job: Job, verdict: Verdict, reason: string, checks: unknown[]): Promise<void> {
    const expect = job.spec.expect as 'good' | 'bad';
    if (verdict === 'skip') {
      await this.log('warn', `the ${this.term(expect)} commit ${job.spec.sha.slice(0, 12)} could not be tested (skip): bisecting anyway`);
      return;
    }
    if (verdict === expect || this.isBayes) return;
    checks.length = 0;
    await this.stopAll('cancel');
    const message =
      `the ${this.term(expect)} commit ${job.spec.sha.slice(0, 12)} tests ${this.term(verdict)} (${reason}): ` +
      `the range or the recipe is wrong, so nothing was bisected. Check the refs and the reproducer, or turn off "check the endpoints first".`;
    this.ending = await this.finish('failed', null, message);
  }

  /** Cancels running steps whose commits another result has ruled out. */
  private async cancelMoot(byStep: number): Promise<void> {
    for (const other of this.running.values()) {
      if (other.spec.kind === 'bisect' && this.strategy.isMoot(other.index)) {
        await this.log('info', `step ${other.spec.step} (${other.spec.sha.slice(0, 12)}) is moot after step ${byStep}: cancelled`);
        other.controller.abort(MOOT);
      }
    }
  }

  private async recordStopped(job: Job, why: StopReason): Promise<void> {
    const reason = STOP_REASONS[why];
    await this.sink.emit({ type: 'stepInterrupted', step: job.spec.step, reason });
  }

  /** An infrastructure error is never a verdict: the commit is tried again, then the session pauses. */
  private async recordInfra(job: Job, message: string): Promise<void> {
    await this.sink.emit({ type: 'stepInterrupted', step: job.spec.step, reason: `infrastructure error: ${message}` });
    const attempts = this.deps.infraAttempts ?? 3;
    if (job.attempt >= attempts) {
      this.pausedReason = `infrastructure error on slot ${job.slot.index + 1} (no verdict recorded): ${message}. Fix the host, then resume.`;
      await this.log('error', this.pausedReason);
      await this.stopAll(INTERRUPT);
      return;
    }
    await this.log('warn', `infrastructure error, trying the commit again (${job.attempt}/${attempts - 1}): ${message}`);
    job.slot.built = null;
    this.launch(job.slot, job.spec.sha, job.spec.kind, job.spec.expect, job.attempt + 1, this.deps.infraRetryDelayMs ?? 10_000);
  }

  /** Aborts every running step with `reason` and waits for their records. */
  private async stopAll(reason: string): Promise<void> {
    const jobs = [...this.running.values()];
    for (const j of jobs) j.controller.abort(reason);
    for (const j of jobs) {
      const { end } = await j.done;
      if (this.running.get(j.slot) !== j) continue;
      this.running.delete(j.slot);
      j.slot.busy = false;
      await this.recordStopped(j, end.kind === 'stopped' ? end.why : 'cancelled');
    }
  }

  private async stopped(): Promise<RunOutcome> {
    const interrupt = this.deps.signal.reason === INTERRUPT;
    await this.stopAll(interrupt ? INTERRUPT : 'cancel');
    return interrupt ? 'interrupted' : this.finish('cancelled', null, 'cancelled');
  }

  /** Ends the session on the strategy's answer, confirmed by replaying its marks with git. */
  private async conclude(result: StrategyResult): Promise<RunOutcome> {
    switch (result.kind) {
      case 'testing':
        throw new Error('the bisect has not ended');
      case 'culprit':
        return this.concludeCulprit(result.index, result.probability);
      case 'candidates': {
        const log = await this.gitLog(this.exactMarks());
        return this.finish('done', { kind: 'candidates', commits: await this.repo.commitInfos(result.indices.map((i) => this.dag.sha(i))) }, null, log.text);
      }
      case 'undecided': {
        const commits = await Promise.all(result.top.map(async (c) => ({ ...(await this.commitInfo(this.dag.sha(c.index))), probability: c.probability })));
        const confidence = this.confidence;
        const log = await this.gitLog([]);
        await this.log('warn', `no single commit reaches ${confidence} within the budget of runs; the likeliest are listed`);
        return this.finish('done', { kind: 'undecided', confidence, commits }, null, log.text);
      }
      case 'noCulprit': {
        const log = await this.gitLog([]);
        return this.finish('done', { kind: 'noCulprit', probability: result.probability }, null, log.text);
      }
      default:
        return assertNever(result);
    }
  }

  private async concludeCulprit(index: number, probability: number): Promise<RunOutcome> {
    const sha = this.dag.sha(index);
    const marks = this.isBayes ? impliedMarks(this.dag, this.observed.filter((o) => o.kind === 'bisect').map((o) => o.sha), index) : this.exactMarks();
    const log = await this.gitLog(marks);
    let culprit = sha;
    if (log.state?.kind === 'culprit' && log.state.sha !== sha) {
      if (!this.isBayes) culprit = log.state.sha; // git's own answer is the contract in exact mode
      await this.log('warn', `git's replay of the marks ends on ${log.state.sha.slice(0, 12)}, the strategy on ${sha.slice(0, 12)}`);
    } else if (log.state?.kind !== 'culprit') {
      await this.log('warn', `git's replay of the marks does not end on a single commit; the answer is the strategy's`);
    }
    const found: BisectResult = { kind: 'culprit', commit: await this.repo.commitDetail(culprit), ...(this.isBayes ? { probability } : {}) };
    const result = await this.verify(found);
    if (result === 'interrupted') return 'interrupted';
    return this.finish('done', result, null, log.text);
  }

  /** Verifies a culprit on slot 1 (recipe `verify`; default on in exact mode, off in flaky mode): see verify.ts. */
  private async verify(result: BisectResult): Promise<BisectResult | 'interrupted'> {
    if (!(this.o.recipe.verify ?? !this.isBayes)) return result;
    const slot = this.slots[0] as Slot;
    return verifyResult(
      {
        sessionId: this.o.sessionId,
        repoDir: this.o.request.repoPath,
        scratchDir: this.o.scratchDir,
        terms: this.o.request.terms,
        recipe: this.o.recipe,
        sink: this.sink,
        executorFor: this.deps.executorFor,
        signal: this.deps.signal,
        hostLock: this.deps.hostLock,
        bisection: slot.bisection,
        hosts: slot.hosts,
        sharedHosts: sharedHosts(this.o.slots),
        nextStep: () => this.step++,
        commitInfo: (sha) => this.commitInfo(sha),
        position: (sha) => this.range.position(sha),
      },
      result,
      this.o.request.badSha,
    );
  }

  /** The verdicts of bisect steps, first verdict per commit (git refuses to mark a commit twice). */
  private exactMarks(): Mark[] {
    const seen = new Set<string>();
    const marks: Mark[] = [];
    for (const o of this.observed) {
      if (o.kind !== 'bisect' || seen.has(o.sha)) continue;
      seen.add(o.sha);
      marks.push({ sha: o.sha, verdict: o.verdict });
    }
    return marks;
  }

  /** Replays marks with git in slot 1's worktree: git's log (plus run counts in flaky mode) and where git ends. */
  private async gitLog(marks: Mark[]): Promise<{ text: string; state: Awaited<ReturnType<Bisection['rebuild']>> | null }> {
    const bisection = (this.slots[0] as Slot).bisection;
    const replay = path.join(this.o.scratchDir, 'replay.log');
    const ordered = replayOrder(this.dag, marks);
    const state = await bisection
      .rebuild(this.startOptions, ordered, replay, false)
      .catch(() => bisection.rebuild(this.startOptions, ordered, replay, true))
      .catch(() => null);
    const text = await bisection.log().catch(() => '');
    const comments = this.isBayes ? runCountComments(this.observed.filter((o) => o.kind === 'bisect'), this.o.request.terms) : '';
    return { text: text + comments, state };
  }

  private get confidence(): number {
    return this.o.strategy.kind === 'bayes' ? (this.o.strategy.confidence ?? DEFAULT_CONFIDENCE) : 1;
  }

  private view() {
    return strategyView(this.strategy, this.dag, (i) => this.range.position(this.dag.sha(i)), this.isBayes ? this.confidence : undefined);
  }

  private suspects() {
    return suspectRuns(this.strategy, (i) => this.range.position(this.dag.sha(i)));
  }

  private progress(): { revisionsLeft: number; stepsLeft: number } {
    if (!this.strategy) return { revisionsLeft: this.range.size, stepsLeft: 0 };
    const post = this.strategy.posterior();
    let left = 0;
    for (const p of post) if (p > (this.isBayes ? 1e-4 : 0)) left++;
    return { revisionsLeft: left, stepsLeft: Math.round(this.strategy.summary().expectedRunsLeft) };
  }

  private term(verdict: Verdict): string {
    return termFor(verdict, this.o.request.terms);
  }

  private get sink() {
    return this.deps.sink;
  }

  private async log(level: 'info' | 'warn' | 'error', message: string): Promise<void> {
    await this.sink.emit({ type: 'log', level, message });
  }

  private reaperFor(executor: string): GroupReaper | null {
    try {
      const e = this.deps.executorFor(executor) as Partial<GroupReaper>;
      return typeof e.reapGroup === 'function' ? (e as GroupReaper) : null;
    } catch {
      return null;
    }
  }

  private async finish(status: 'done' | 'failed' | 'cancelled', result: BisectResult | null, error: string | null, bisectLog?: string): Promise<RunOutcome> {
    const log = bisectLog ?? (await this.gitLog(this.isBayes ? [] : this.exactMarks()).catch(() => ({ text: '' }))).text;
    await this.sink.emit({ type: 'sessionFinished', status, result, bisectLog: log, error });
    return status;
  }

  private async retireWorktrees(): Promise<void> {
    for (const slot of this.slots) {
      await (slot.index === 0 ? slot.bisection.retireWorktree() : slot.bisection.removeWorktree()).catch(() => undefined);
    }
  }
}

/** What a stopped step says, by why it stopped. */
const STOP_REASONS: Record<StopReason, string> = {
  interrupted: 'stopped to be resumed',
  moot: 'cancelled: another step’s result made this commit moot',
  answered: 'cancelled: the answer was reached while this step ran',
  cancelled: 'cancelled',
};

/** Hosts more than one slot maps a role to (a shared hypervisor): slots use them at once by design. */
export function sharedHosts(slots: readonly TestSlot[]): Set<string> {
  const count = new Map<string, number>();
  for (const slot of slots) for (const host of new Set(Object.values(slot))) count.set(host, (count.get(host) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([h]) => h));
}

/** Indices of the transfer phases whose copies count as runs. */
export function copyRunPhases(recipe: Recipe): Set<number> {
  const out = new Set<number>();
  recipe.phases.forEach((p, i) => {
    if (p.kind === 'transfer' && p.copiesAreRuns) out.add(i);
  });
  return out;
}

/** A copy that went through is a passing run; any failed copy (stall, timeout, lost link, sink error) a failing one. */
export function copyVerdict(outcome: string): Verdict {
  return outcome === 'ok' ? 'good' : 'bad';
}

/** Slot 1 uses the session's worktree; others sit beside it. */
export function slotWorktree(worktree: string, index: number): string {
  return index === 0 ? worktree : `${worktree}.slot${index + 1}`;
}
