import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { getSessionDetail, insertSession, listSessionIdsWithStatus, type SessionDetail } from '../../db/queries/sessions';
import type { EventBus } from '../bus';
import { Bisection } from '../engine/bisect/bisection';
import { copyRunPhases, runSlotBisect } from '../engine/bisect/scheduler';
import { INTERRUPT, runBisect, type BisectDeps, type BisectSessionOptions, type RunOutcome } from '../engine/bisect/session';
import type { StrategySpec, TestSlot } from '../engine/strategy/spec';
import { validateBisectRequest, type BisectRequest } from '../engine/bisect/validate';
import type { EngineEvent } from '../engine/events';
import { recipeSchema, type RecipeInput } from '../engine/recipe';
import { UserInputError, type Executor, type Verdict } from '../engine/types';
import { generateDemoRepo } from '../demo/generate';
import { SecretBox } from '../secrets/box';
import { SessionRecorder } from '../wiring';
import { historyFromSteps, markableStep, stepsAfter, strandedSteps } from './history';

export interface CreateSessionInput extends BisectRequest {
  recipe: RecipeInput;
  title?: string | undefined;
  /** Test the good and bad refs before bisecting (default true). */
  checkEndpoints?: boolean | undefined;
  /** How verdicts are weighed (default git's exact rules). */
  strategy?: StrategySpec | undefined;
  /** Test slots: role → host maps; k slots run k steps at once. */
  slots?: TestSlot[] | undefined;
}

export interface SessionServiceOptions {
  db: Db;
  bus: EventBus;
  dataDir: string;
  /** Resolves a phase's `on` to an executor; throws UserInputError for unknown hosts. */
  executorFor: (on: string) => Executor;
  /** Delay before a step hit by an infrastructure error is tried again (default 10 s). */
  infraRetryDelayMs?: number;
}

interface Running {
  controller: AbortController;
  pause: boolean;
  done: Promise<RunOutcome | 'error'>;
}

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
    const recipe = parseRecipe(input.recipe);
    checkSlots(recipe, input.slots, this.o.executorFor);
    const request = await validateBisectRequest(input);
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
      recipe: await this.sealSecrets(input.recipe),
      checkEndpoints: input.checkEndpoints ?? true,
      strategy: input.strategy ?? { kind: 'git' },
      slots: input.slots ?? null,
    });
    await this.start(id);
    return { id };
  }

  /** Generates (or reuses) the demo repository and bisects it with its recipe. */
  async startDemo(): Promise<{ id: string }> {
    const demo = await generateDemoRepo(path.join(this.o.dataDir, 'demo', 'linux-demo'));
    return this.create({
      title: 'Demo: virtio network hang (v5.10..v5.15)',
      repoPath: demo.dir,
      bad: 'v5.15',
      good: ['v5.10'],
      recipe: demo.recipe,
    });
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Continues every session a previous server process left running. */
  async resumeAll(): Promise<void> {
    for (const id of await listSessionIdsWithStatus(this.o.db, 'running')) {
      if (!this.running.has(id)) await this.start(id).catch((e: unknown) => console.error(`cannot resume session ${id}:`, e));
    }
  }

  /** Kills the running step now; the session ends as cancelled. */
  cancel(id: string): Promise<{ cancelled: boolean }> {
    return this.locked(id, async () => {
      const detail = await this.detail(id);
      const run = this.running.get(id);
      if (run) {
        run.controller.abort('cancel');
        await run.done;
        return { cancelled: true };
      }
      if (detail.session.status !== 'paused') return { cancelled: false };
      const bisection = this.bisectionOf(detail);
      const bisectLog = await bisection.log().catch(() => '');
      await this.record(detail, [{ type: 'sessionFinished', status: 'cancelled', result: null, bisectLog, error: null }]);
      await bisection.removeWorktree().catch(() => undefined);
      return { cancelled: true };
    });
  }

  /** Finishes the current step, then starts no new one until resumed. */
  pause(id: string): Promise<{ paused: boolean }> {
    return this.locked(id, async () => {
      await this.detail(id);
      const run = this.running.get(id);
      if (!run) return { paused: false };
      run.pause = true;
      return { paused: true };
    });
  }

  resume(id: string): Promise<{ resumed: boolean }> {
    return this.locked(id, async () => {
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
    });
  }

  /** Stops the current step and tests the same commit again from its first phase. */
  retry(id: string): Promise<{ retried: boolean }> {
    return this.locked(id, async () => {
      const detail = await this.detail(id);
      if (!this.running.has(id) && detail.session.status !== 'paused') {
        throw new UserInputError('only a running or paused session has a step to retry', 'id');
      }
      await this.interrupt(id);
      const now = await this.detail(id);
      if (now.session.status === 'paused') await this.record(now, [{ type: 'sessionResumed', reason: 'retry' }]);
      await this.start(id);
      return { retried: true };
    });
  }

  /** A person's verdict for the step being tested now (or the one a pause left untested). */
  markStep(id: string, verdict: Verdict): Promise<{ step: number }> {
    return this.locked(id, async () => {
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
    });
  }

  /**
   * Changes an earlier verdict: later steps are kept but superseded, and the
   * bisect goes on from there (git bisect log + edit + replay, in one step).
   */
  undo(id: string, step: number, verdict: Verdict): Promise<{ superseded: number[] }> {
    return this.locked(id, async () => {
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
    });
  }

  /** Stops every session so it can be resumed at the next start; waits for their records. */
  async shutdown(): Promise<void> {
    for (const r of this.running.values()) r.controller.abort(INTERRUPT);
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Starts the engine for a session from its stored record. */
  private async start(id: string): Promise<void> {
    const detail = await getSessionDetail(this.o.db, id, { sealedSecrets: true });
    if (!detail) throw new UserInputError(`no session ${id}`, 'id');
    const s = detail.session;
    const { recipe: openRecipe, secrets } = await this.openSecrets(s.recipe);
    const recorder = new SessionRecorder(this.o.db, this.o.bus, id, s.lastSeq, secrets);
    for (const step of strandedSteps(detail.steps)) {
      await recorder.emit({ type: 'stepInterrupted', step, reason: 'the server stopped during this step' });
    }
    let options;
    try {
      const request = await validateBisectRequest({
        repoPath: s.repoPath,
        bad: s.badSha,
        good: s.goodShas,
        terms: { old: s.termOld, new: s.termNew },
        firstParent: s.firstParent,
        paths: s.paths,
      });
      const recipe = parseRecipe(openRecipe);
      options = {
        sessionId: id,
        request,
        recipe,
        worktree: path.join(this.o.dataDir, 'worktrees', id),
        spareWorktree: spareWorktreeFor(this.o.dataDir, s.repoPath),
        scratchDir: path.join(this.o.dataDir, 'scratch', id),
        checkEndpoints: s.checkEndpoints,
        history: historyFromSteps(detail.steps, s.goodShas.length, s.checkEndpoints, s.strategy.kind === 'bayes' ? copyRunPhases(recipe) : new Set()),
      };
    } catch (error) {
      // The repository may be back later (an unmounted disk, a moved clone): pause, keep every
      // verdict, and let the user resume once it is fixed, or cancel.
      const message = error instanceof Error ? error.message : String(error);
      await recorder.emit({ type: 'sessionPaused', reason: `cannot continue: ${message}. Fix it and resume, or cancel.` });
      await recorder.flush();
      return;
    }
    const controller = new AbortController();
    const run: Running = { controller, pause: false, done: Promise.resolve('error') };
    run.done = runEngine(s.strategy, s.slots, options, {
      sink: recorder,
      executorFor: this.o.executorFor,
      signal: controller.signal,
      shouldPause: () => run.pause,
      infraRetryDelayMs: this.o.infraRetryDelayMs,
    })
      .then(async (outcome) => {
        await recorder.flush();
        return outcome;
      })
      .catch((error: unknown) => {
        console.error(`session ${id} could not record its end:`, error);
        return 'error' as const;
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
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

  /** Appends events for a session whose engine is stopped. */
  private async record(detail: SessionDetail, events: EngineEvent[]): Promise<void> {
    const recorder = new SessionRecorder(this.o.db, this.o.bus, detail.session.id, detail.session.lastSeq);
    for (const e of events) await recorder.emit(e);
    await recorder.flush();
  }

  private manualVerdict(detail: SessionDetail, step: number, verdict: Verdict, reason: string, ms: number): EngineEvent {
    return { type: 'stepFinished', step, verdict, term: this.term(detail, verdict), reason, ms, manual: true };
  }

  private term(detail: SessionDetail, verdict: Verdict): string {
    return verdict === 'skip' ? 'skip' : verdict === 'good' ? detail.session.termOld : detail.session.termNew;
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

export function parseRecipe(recipe: unknown) {
  const parsed = recipeSchema.safeParse(recipe);
  if (!parsed.success) {
    throw new UserInputError(`recipe: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, 'recipe');
  }
  return parsed.data;
}
