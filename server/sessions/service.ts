import { createHash, randomUUID } from 'node:crypto';
import { termFor } from '../engine/bisect/terms';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { FencedError, outstandingRemoteLeases, type RecordOptions } from '../../db/queries/events';
import { claimSession, finishControl, getControl, insertControl, liveOwner, releaseSession, type Fence } from '../../db/queries/runners';
import { getSession, getSessionDetail, insertSession, type SessionDetail } from '../../db/queries/sessions';
import type { ControlKind } from '../../db/schema';
import type { EventBus } from '../bus';
import { Bisection } from '../engine/bisect/bisection';
import { copyRunPhases, runSlotBisect } from '../engine/bisect/scheduler';
import { INTERRUPT, runBisect, type BisectDeps, type BisectSessionOptions, type RunOutcome } from '../engine/bisect/session';
import type { StrategySpec, TestSlot } from '../engine/strategy/spec';
import { validateBisectRequest, type BisectRequest, type ValidatedBisect } from '../engine/bisect/validate';
import type { EngineEvent } from '../engine/events';
import { recipeSchema, type RecipeInput } from '../engine/recipe';
import { assertNever, UserInputError, type Executor, type Verdict } from '../engine/types';
import { generateDemoRepo } from '../demo/generate';
import { SecretBox } from '../secrets/box';
import { SessionRecorder } from '../wiring';
import { historyFromSteps, markableStep, stepsAfter, strandedSteps } from './history';

export interface CreateSessionInput extends BisectRequest {
  /** The recipe as the user wrote it: checked here (a UserInputError says what is wrong) and stored as written. */
  recipe: unknown;
  title?: string | undefined;
  /** Test the good and bad refs before bisecting (default true). */
  checkEndpoints?: boolean | undefined;
  /** How verdicts are weighed (default git's exact rules). */
  strategy?: StrategySpec | undefined;
  /** Test slots: role → host maps; k slots run k steps at once. */
  slots?: TestSlot[] | undefined;
  /** The session this one continues (e.g. the guest-side bisect whose culprit it pins). */
  parentId?: string | undefined;
  /** The user starting it: webhooks of other non-admin users are not told about it. */
  createdBy?: string | undefined;
  /** Verify the culprit after the bisect (overrides the recipe's `verify`; kept in the session's recipe). */
  verify?: boolean | undefined;
}

export interface SessionServiceOptions {
  db: Db;
  bus: EventBus;
  dataDir: string;
  /** Resolves a phase's `on` to an executor; throws UserInputError for unknown hosts. */
  executorFor: (on: string) => Executor;
  /** Delay before a step hit by an infrastructure error is tried again (default 10 s). */
  infraRetryDelayMs?: number;
  /**
   * This process's runner id. Set: a session runs here only under a claim in
   * the DB (lease + fencing token), and controls of sessions another live
   * runner owns are sent to it. Unset: one process owns everything (tests).
   */
  runnerId?: string;
  /** false: run no session here (the web server with ENGINE=off); runners claim them. */
  engine?: boolean;
  /** Most sessions run here at once; a session beyond it waits for a runner with room. */
  maxSessions?: number;
  /** How long a claim lasts without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** PostgreSQL: announce stored events to other processes (NOTIFY) under this origin. */
  notifyOrigin?: string;
  /** Takes the hosts a step uses for the step, across runners (host leases in the DB). */
  hostLock?: BisectDeps['hostLock'];
  /** Brings the hosts up to date before a session starts here (another process may have just added or edited one). */
  refreshHosts?: () => Promise<void>;
}

interface Running {
  controller: AbortController;
  pause: boolean;
  done: Promise<RunOutcome | 'error'>;
  /** The claim the session runs under (runner mode). */
  fence?: Fence;
}

/** How long a control waits for the runner that owns the session. */
const CONTROL_WAIT_MS = 120_000;
/** The error a sender writes on a control it took back (no runner owns the session any more). */
const WITHDRAWN = 'withdrawn: no runner owns the session any more';

/**
 * Starts, resumes, pauses, corrects and cancels bisect sessions. The database
 * is the source of truth: every control that changes history stops the engine,
 * records the change as events, and starts the engine again from the record.
 */
export class SessionService {
  private readonly running = new Map<string, Running>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private secretBox: Promise<SecretBox> | null = null;

  constructor(private readonly o: SessionServiceOptions) {}

  async create(input: CreateSessionInput): Promise<{ id: string }> {
    const written = input.recipe;
    assertRecipe(written);
    const recipe = parseRecipe(written);
    checkSlots(recipe, input.slots, this.o.executorFor);
    const request = await validateBisectRequest(input);
    if (input.parentId && !(await getSession(this.o.db, input.parentId))) {
      throw new UserInputError(`no session ${input.parentId} to continue: it may have been deleted`, 'parentId');
    }
    const id = randomUUID();
    await insertSession(this.o.db, {
      id,
      status: 'running',
      title: input.title?.trim() || `${path.basename(request.repoPath)}: ${input.good[0]}..${input.bad}`,
      repoPath: request.repoPath,
      bad: input.bad.trim(),
      good: input.good.map((g) => g.trim()),
      badSha: request.badSha,
      goodShas: request.goodShas,
      termOld: request.terms.old,
      termNew: request.terms.new,
      firstParent: request.firstParent,
      paths: request.paths,
      recipe: await this.sealSecrets(input.verify === undefined ? written : { ...written, verify: input.verify }),
      checkEndpoints: input.checkEndpoints ?? true,
      strategy: input.strategy ?? { kind: 'git' },
      slots: input.slots ?? null,
      parentId: input.parentId ?? null,
      createdBy: input.createdBy ?? null,
    });
    await this.locked(id, () => this.start(id, request));
    return { id };
  }

  /** Generates (or reuses) the demo repository and bisects it with its recipe. */
  async startDemo(createdBy?: string): Promise<{ id: string }> {
    const demo = await generateDemoRepo(path.join(this.o.dataDir, 'demo', 'linux-demo'));
    return this.create({
      title: 'Demo: virtio network hang (v5.10..v5.15)',
      repoPath: demo.dir,
      bad: 'v5.15',
      good: ['v5.10'],
      recipe: demo.recipe,
      createdBy,
    });
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Kills the running step now; the session ends as cancelled. */
  cancel(id: string): Promise<{ cancelled: boolean }> {
    return this.viaOwner(id, 'cancel', {}, () => this.locked(id, async () => {
      const detail = await this.detail(id);
      const run = this.running.get(id);
      if (run) {
        run.controller.abort('cancel');
        await run.done;
        return { cancelled: true };
      }
      // Not running here: paused, or (runner mode) waiting for a runner to claim it.
      const idle = detail.session.status === 'paused' || (detail.session.status === 'running' && this.o.runnerId !== undefined);
      if (!idle) return { cancelled: false };
      const bisection = this.bisectionOf(detail);
      const bisectLog = await bisection.log().catch(() => '');
      await this.record(detail, [{ type: 'sessionFinished', status: 'cancelled', result: null, bisectLog, error: null }]);
      await bisection.removeWorktree().catch(() => undefined);
      return { cancelled: true };
    }));
  }

  /** Finishes the current step, then starts no new one until resumed. */
  pause(id: string): Promise<{ paused: boolean }> {
    return this.viaOwner(id, 'pause', {}, () => this.locked(id, async () => {
      await this.detail(id);
      const run = this.running.get(id);
      if (!run) return { paused: false };
      run.pause = true;
      return { paused: true };
    }));
  }

  resume(id: string): Promise<{ resumed: boolean }> {
    return this.viaOwner(id, 'resume', {}, () => this.locked(id, async () => {
      const detail = await this.detail(id);
      const run = this.running.get(id);
      if (run) {
        const wasPausing = run.pause;
        run.pause = false;
        return { resumed: wasPausing };
      }
      if (detail.session.status !== 'paused') return { resumed: false };
      await this.record(detail, [{ type: 'sessionResumed', reason: 'resumed by hand' }]);
      await this.start(id);
      return { resumed: true };
    }));
  }

  /** Stops the current step and tests the same commit again from its first phase. */
  retry(id: string): Promise<{ retried: boolean }> {
    return this.viaOwner(id, 'retry', {}, () => this.locked(id, async () => {
      const detail = await this.detail(id);
      if (!this.running.has(id) && detail.session.status !== 'paused') {
        throw new UserInputError('only a running or paused session has a step to retry', 'id');
      }
      await this.interrupt(id);
      const now = await this.detail(id);
      if (now.session.status === 'paused') await this.record(now, [{ type: 'sessionResumed', reason: 'retry' }]);
      await this.start(id);
      return { retried: true };
    }));
  }

  /** A person's verdict for the step being tested now (or the one a pause left untested). */
  markStep(id: string, verdict: Verdict): Promise<{ step: number }> {
    return this.viaOwner(id, 'markStep', { verdict }, () => this.locked(id, async () => {
      const before = await this.detail(id);
      if (!markableStep(before.steps)) throw new UserInputError('no step is waiting for a verdict', 'id');
      const wasPaused = before.session.status === 'paused' && !this.running.has(id);
      await this.interrupt(id);
      const detail = await this.detail(id);
      const target = markableStep(detail.steps);
      if (!target) throw new UserInputError('the step finished before the verdict arrived', 'id');
      const events: EngineEvent[] = [this.manualVerdict(detail, target.step, verdict, 'marked by hand', target.ms ?? 0)];
      if (detail.session.status === 'paused' && !wasPaused) events.push({ type: 'sessionResumed', reason: 'manual verdict' });
      await this.record(detail, events);
      if (!wasPaused) await this.start(id);
      return { step: target.step };
    }));
  }

  /**
   * Changes an earlier verdict: later steps are kept but superseded, and the
   * bisect goes on from there (git bisect log + edit + replay, in one step).
   */
  undo(id: string, step: number, verdict: Verdict): Promise<{ superseded: number[] }> {
    return this.viaOwner(id, 'undo', { step, verdict }, () => this.locked(id, async () => {
      const before = await this.detail(id);
      if (before.session.origin === 'import') {
        throw new UserInputError('an imported bisect is read-only: its verdicts come from the log; start a new bisect to test again', 'id');
      }
      const target = before.steps.find((s) => s.step === step);
      if (!target || target.kind !== 'bisect' || target.superseded || target.verdict === null) {
        throw new UserInputError(`step ${step} has no verdict that can be changed`, 'step');
      }
      if (target.verdict === verdict) throw new UserInputError(`step ${step} is already ${verdict}`, 'verdict');
      const wasRunning = this.running.has(id);
      await this.interrupt(id);
      const detail = await this.detail(id);
      // In flaky mode runs are exchangeable observations: changing one leaves the others standing.
      const later = detail.session.strategy.kind === 'bayes' ? [] : stepsAfter(detail.steps, step);
      const events: EngineEvent[] = [
        ...(later.length > 0 ? [{ type: 'stepsSuperseded' as const, steps: later, reason: `step ${step} changed from ${target.verdict} to ${verdict}` }] : []),
        this.manualVerdict(detail, step, verdict, `changed by hand from ${this.term(detail, target.verdict)}`, target.ms ?? 0),
      ];
      const finished = ['done', 'failed', 'cancelled'].includes(detail.session.status);
      if (finished) events.push({ type: 'sessionReopened', reason: `step ${step} changed` });
      await this.record(detail, events);
      if (wasRunning || finished) await this.start(id);
      return { superseded: later };
    }));
  }

  /** Stops every session so it can be resumed at the next start; waits for their records. */
  async shutdown(): Promise<void> {
    for (const r of this.running.values()) r.controller.abort(INTERRUPT);
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Claims and starts a session a runner loop found unowned; serialised with the session's controls. */
  startClaimable(id: string): Promise<void> {
    return this.locked(id, () => this.start(id));
  }

  /** Sessions running here under a claim, with their tokens (for heartbeats). */
  ownedLeases(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, r] of this.running) if (r.fence) out.set(id, r.fence.token);
    return out;
  }

  /** Another runner took the session over: stop at once, write nothing more (writes are fenced anyway). */
  lostLease(id: string): void {
    this.running.get(id)?.controller.abort(INTERRUPT);
  }

  /**
   * Starts the engine for a session from its stored record (runner mode: only under a fresh claim).
   * `validated`: the request create just checked against the repository (not asked of git again).
   */
  private async start(id: string, validated?: ValidatedBisect): Promise<void> {
    if (this.o.engine === false || this.running.has(id)) return;
    if (this.o.maxSessions !== undefined && this.running.size >= this.o.maxSessions) return;
    const fence = this.o.runnerId ? ((await claimSession(this.o.db, id, this.o.runnerId, this.leaseMs)) ?? undefined) : undefined;
    if (this.o.runnerId && !fence) return; // another live runner owns it
    await this.o.refreshHosts?.();
    const detail = await getSessionDetail(this.o.db, id, { sealedSecrets: true });
    if (!detail) throw new UserInputError(`no session ${id}`, 'id');
    const s = detail.session;
    const { recipe: openRecipe, secrets } = await this.openSecrets(s.recipe);
    const recorder = new SessionRecorder(this.o.db, this.o.bus, id, s.lastSeq, secrets, this.recordOptions(fence));
    for (const step of strandedSteps(detail.steps)) {
      await recorder.emit({ type: 'stepInterrupted', step, reason: 'the server stopped during this step' });
    }
    let options;
    try {
      const request = validated ?? (await validateBisectRequest({
        repoPath: s.repoPath,
        bad: s.badSha,
        good: s.goodShas,
        terms: { old: s.termOld, new: s.termNew },
        firstParent: s.firstParent,
        paths: s.paths,
      }));
      const recipe = parseRecipe(openRecipe);
      options = {
        sessionId: id,
        request,
        recipe,
        worktree: path.join(this.o.dataDir, 'worktrees', id),
        spareWorktree: spareWorktreeFor(this.o.dataDir, s.repoPath),
        scratchDir: path.join(this.o.dataDir, 'scratch', id),
        checkEndpoints: s.checkEndpoints,
        orphanLeases: await outstandingRemoteLeases(this.o.db, id),
        history: historyFromSteps(detail.steps, s.goodShas.length, s.checkEndpoints, s.strategy.kind === 'bayes' ? copyRunPhases(recipe) : new Set()),
      };
    } catch (error) {
      // The repository may be back later (an unmounted disk, a moved clone): pause, keep every
      // verdict, and let the user resume once it is fixed, or cancel.
      const message = error instanceof Error ? error.message : String(error);
      await recorder.emit({ type: 'sessionPaused', reason: `cannot continue: ${message}. Fix it and resume, or cancel.` });
      await recorder.flush();
      if (fence) await releaseSession(this.o.db, id, fence);
      return;
    }
    const controller = new AbortController();
    const run: Running = { controller, pause: false, done: Promise.resolve('error'), ...(fence ? { fence } : {}) };
    run.done = runEngine(s.strategy, s.slots, options, {
      sink: recorder,
      executorFor: this.o.executorFor,
      signal: controller.signal,
      shouldPause: () => run.pause,
      infraRetryDelayMs: this.o.infraRetryDelayMs,
      ...(this.o.hostLock ? { hostLock: this.o.hostLock } : {}),
    })
      .then(async (outcome) => {
        await recorder.flush();
        return outcome;
      })
      .catch((error: unknown) => {
        if (!isFenced(error)) console.error(`session ${id} could not record its end:`, error);
        return 'error' as const;
      })
      .then(async (outcome) => {
        this.running.delete(id);
        // Given back before `done` resolves: a control that waited for the engine may claim it next.
        if (fence) await releaseSession(this.o.db, id, fence).catch(() => undefined);
        return outcome;
      });
    this.running.set(id, run);
  }

  private get leaseMs(): number {
    return this.o.leaseMs ?? 30_000;
  }

  private recordOptions(fence: Fence | undefined): RecordOptions {
    return { ...(fence ? { fence } : {}), ...(this.o.notifyOrigin !== undefined ? { notifyOrigin: this.o.notifyOrigin } : {}) };
  }

  /**
   * Sends a control to the runner that owns the session when that is another
   * live runner, and waits for its answer; null when this process should act.
   */
  private async forward<T>(id: string, kind: ControlKind, input: Record<string, unknown>): Promise<{ value: T } | null> {
    if (!this.o.runnerId) return null;
    const owner = await liveOwner(this.o.db, id);
    if (!owner || owner === this.o.runnerId) return null;
    const controlId = await insertControl(this.o.db, id, kind, input);
    const end = Date.now() + CONTROL_WAIT_MS;
    for (let polls = 1; Date.now() < end; polls++) {
      const c = await getControl(this.o.db, controlId);
      if (c?.doneAt && c.error !== WITHDRAWN) {
        if (c.error) throw new UserInputError(c.error, kind === 'undo' ? 'step' : 'id');
        return { value: c.result as T };
      }
      // The owner paused, ended or died meanwhile: withdraw the control and act here instead.
      if (polls % 10 === 0 && !(await liveOwner(this.o.db, id)) && (await finishControl(this.o.db, controlId, { error: WITHDRAWN }))) return null;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new UserInputError(`the runner running this session did not carry out "${kind}" within ${CONTROL_WAIT_MS / 1000} s: is it stuck? Try again.`, 'id');
  }

  private async viaOwner<T>(id: string, kind: ControlKind, input: Record<string, unknown>, local: () => Promise<T>): Promise<T> {
    const forwarded = await this.forward<T>(id, kind, input);
    return forwarded ? forwarded.value : local();
  }

  /** Carries out a control another process sent to this runner (the runner loop calls it). */
  async execute(kind: ControlKind, id: string, input: Record<string, unknown>): Promise<unknown> {
    switch (kind) {
      case 'cancel':
        return this.cancel(id);
      case 'pause':
        return this.pause(id);
      case 'resume':
        return this.resume(id);
      case 'retry':
        return this.retry(id);
      case 'markStep':
        return this.markStep(id, input.verdict as Verdict);
      case 'undo':
        return this.undo(id, Number(input.step), input.verdict as Verdict);
      default:
        return assertNever(kind);
    }
  }

  /** Replaces each secret recipe value by its sealed copy: the DB never holds the value. */
  private async sealSecrets(recipe: RecipeInput): Promise<RecipeInput> {
    const env = recipe.env;
    if (!env || Object.values(env).every((v) => typeof v === 'string')) return recipe;
    const box = await this.box();
    const sealed = Object.fromEntries(
      Object.entries(env).map(([k, v]) => {
        if (typeof v === 'string') return [k, v];
        if (!v.value) throw new UserInputError(`secret variable ${k} needs a value`, 'recipe');
        return [k, { secret: true as const, sealed: box.seal(v.value) }];
      }),
    );
    return { ...recipe, env: sealed };
  }

  /** The recipe with secrets opened for the engine, and their values for redaction. */
  private async openSecrets(recipe: RecipeInput): Promise<{ recipe: RecipeInput; secrets: string[] }> {
    const env = recipe.env;
    if (!env || Object.values(env).every((v) => typeof v === 'string')) return { recipe, secrets: [] };
    const box = await this.box();
    const secrets: string[] = [];
    const opened = Object.fromEntries(
      Object.entries(env).map(([k, v]) => {
        if (typeof v === 'string') return [k, v];
        const value = v.sealed ? box.unseal(v.sealed) : (v.value ?? '');
        secrets.push(value);
        return [k, { secret: true as const, value }];
      }),
    );
    return { recipe: { ...recipe, env: opened }, secrets: secrets.sort((a, b) => b.length - a.length) };
  }

  private box(): Promise<SecretBox> {
    this.secretBox ??= SecretBox.open(this.o.dataDir);
    return this.secretBox;
  }

  /** Stops the engine, leaving the session resumable (its step marked interrupted). */
  private async interrupt(id: string): Promise<void> {
    const run = this.running.get(id);
    if (!run) return;
    run.controller.abort(INTERRUPT);
    await run.done;
  }

  /**
   * Appends events for a session whose engine is stopped. In runner mode it
   * claims the session for the write (so no runner writes at the same time)
   * and gives it back after.
   */
  private async record(detail: SessionDetail, events: EngineEvent[]): Promise<void> {
    const id = detail.session.id;
    const fence = this.o.runnerId ? ((await claimSession(this.o.db, id, this.o.runnerId, this.leaseMs)) ?? undefined) : undefined;
    if (this.o.runnerId && !fence) throw new UserInputError('another runner took this session over just now: try again', 'id');
    const lastSeq = fence ? ((await getSession(this.o.db, id))?.lastSeq ?? detail.session.lastSeq) : detail.session.lastSeq;
    try {
      const recorder = new SessionRecorder(this.o.db, this.o.bus, id, lastSeq, [], this.recordOptions(fence));
      for (const e of events) await recorder.emit(e);
      await recorder.flush();
    } finally {
      if (fence) await releaseSession(this.o.db, id, fence);
    }
  }

  private manualVerdict(detail: SessionDetail, step: number, verdict: Verdict, reason: string, ms: number): EngineEvent {
    return { type: 'stepFinished', step, verdict, term: this.term(detail, verdict), reason, ms, manual: true };
  }

  private term(detail: SessionDetail, verdict: Verdict): string {
    return termFor(verdict, { old: detail.session.termOld, new: detail.session.termNew });
  }

  private bisectionOf(detail: SessionDetail): Bisection {
    const s = detail.session;
    return new Bisection(s.repoPath, path.join(this.o.dataDir, 'worktrees', s.id), { old: s.termOld, new: s.termNew });
  }

  private async detail(id: string): Promise<SessionDetail> {
    const d = await getSessionDetail(this.o.db, id);
    if (!d) throw new UserInputError(`no session ${id}`, 'id');
    return d;
  }

  /** Serialises controls of one session: they never interleave. */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }
}

/** git's own loop for the default (exact, one slot); the strategy scheduler for flaky mode or slots. */
function runEngine(strategy: StrategySpec, slots: TestSlot[] | null, options: BisectSessionOptions, deps: BisectDeps): Promise<RunOutcome> {
  if (strategy.kind === 'git' && !slots) return runBisect(options, deps);
  return runSlotBisect({ ...options, strategy, slots: slots ?? [{}] }, deps);
}

/** Every phase's `on` must name a host (or a role every slot maps to one) that exists. */
function checkSlots(recipe: ReturnType<typeof parseRecipe>, slots: TestSlot[] | undefined, executorFor: (on: string) => Executor): void {
  for (const [i, slot] of (slots ?? [{}]).entries()) {
    for (const [role, host] of Object.entries(slot)) {
      try {
        executorFor(host);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new UserInputError(`slot ${i + 1}: role "${role}" names host "${host}": ${why}`, 'slots');
      }
    }
    for (const phase of recipe.phases) executorFor(slot[phase.on] ?? phase.on);
  }
}

/** One parked worktree per repository, shared by its sessions one at a time. */
function spareWorktreeFor(dataDir: string, repoPath: string): string {
  return path.join(dataDir, 'worktrees', `spare-${createHash('sha256').update(repoPath).digest('hex').slice(0, 16)}`);
}

/** A recipe parseRecipe accepts is a recipe as written (`RecipeInput`: defaults not filled in, which is what a session stores). */
function assertRecipe(recipe: unknown): asserts recipe is RecipeInput {
  parseRecipe(recipe);
}

export function parseRecipe(recipe: unknown) {
  const parsed = recipeSchema.safeParse(recipe);
  if (!parsed.success) {
    throw new UserInputError(`recipe: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, 'recipe');
  }
  return parsed.data;
}

function isFenced(error: unknown): boolean {
  return error instanceof Error && (error.name === FencedError.name || isFenced(error.cause));
}
