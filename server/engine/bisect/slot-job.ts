import type { CommitInfo, EventSink } from '../events';
import type { Recipe } from '../recipe';
import { isInfraError, type Executor } from '../types';
import type { Bisection, Terms } from './bisection';
import type { HostLock } from './session';
import { runStep, type StepOutcome } from './step';

/** Abort reason of a step whose result can no longer change the answer. */
export const MOOT = 'moot';
/** Abort reason of steps still running when the answer is reached. */
export const ANSWERED = 'answered';

/** One test slot: its hosts, its worktree, and the commit it has built. */
export interface Slot {
  index: number;
  /** Role → host map (empty: phases' `on` names hosts directly). */
  hosts: Record<string, string>;
  bisection: Bisection;
  /** The commit whose per-commit phases (build, deploy) last passed here, and what they wrote to `$BISECT_ENV`. */
  built: { sha: string; step: number; env: Record<string, string> } | null;
  busy: boolean;
}

export interface JobSpec {
  step: number;
  sha: string;
  commit: CommitInfo;
  position: number;
  kind: 'bisect' | 'check';
  expect?: 'good' | 'bad';
  revisionsLeft: number;
  stepsLeft: number;
}

/** How one job (a step on one slot) ended. */
export type JobEnd =
  | { kind: 'tested'; outcome: StepOutcome }
  | { kind: 'stopped'; why: StopReason }
  | { kind: 'infra'; message: string };

export interface JobContext {
  sessionId: string;
  scratchDir: string;
  terms: Terms;
  recipe: Recipe;
  sink: EventSink;
  executorFor: (on: string) => Executor;
  /** Asked between a transfer's copies when each copy is a run: go on here? */
  moreRuns?: () => boolean;
  hostLock?: HostLock | undefined;
  sharedHosts?: ReadonlySet<string>;
  /** The user's repository (relative patch files). */
  repoDir: string;
}

/**
 * Runs one step of a commit on a slot: checks the commit out in the slot's
 * worktree (rebuilding the worktree if it vanished), then the recipe's phases,
 * skipping the per-commit ones when the slot built this commit already.
 * Infrastructure errors are returned, not judged; the caller retries or pauses.
 */
export async function runJob(ctx: JobContext, slot: Slot, job: JobSpec, signal: AbortSignal): Promise<JobEnd> {
  const reuse = slot.built?.sha === job.sha ? slot.built : null;
  await ctx.sink.emit({
    type: 'stepStarted',
    step: job.step,
    commit: job.commit,
    position: job.position,
    revisionsLeft: job.revisionsLeft,
    stepsLeft: job.stepsLeft,
    kind: job.kind,
    ...(job.expect ? { expect: job.expect } : {}),
    slot: slot.index,
    hosts: slot.hosts,
    ...(reuse ? { reusedBuildOf: reuse.step } : {}),
  });
  try {
    await checkoutIn(slot.bisection, job.sha);
    const outcome = await runStep({
      sessionId: ctx.sessionId,
      step: job.step,
      sha: job.sha,
      worktree: slot.bisection.worktree,
      scratchDir: ctx.scratchDir,
      terms: ctx.terms,
      recipe: ctx.recipe,
      sink: ctx.sink,
      executorFor: ctx.executorFor,
      signal,
      hosts: slot.hosts,
      skipPerCommit: reuse !== null,
      carriedEnv: reuse?.env,
      moreRuns: ctx.moreRuns,
      hostLock: ctx.hostLock,
      sharedHosts: ctx.sharedHosts,
      repoDir: ctx.repoDir,
    });
    if (signal.aborted) return { kind: 'stopped', why: stopReason(signal) };
    return { kind: 'tested', outcome };
  } catch (error) {
    if (signal.aborted) return { kind: 'stopped', why: stopReason(signal) };
    if (isInfraError(error)) return { kind: 'infra', message: error.message };
    throw error;
  }
}

export type StopReason = 'interrupted' | 'moot' | 'answered' | 'cancelled';

function stopReason(signal: AbortSignal): StopReason {
  if (signal.reason === MOOT) return 'moot';
  if (signal.reason === ANSWERED) return 'answered';
  return signal.reason === 'interrupt' ? 'interrupted' : 'cancelled';
}

/** Puts the slot's worktree at `sha`, creating it again when it is gone. */
async function checkoutIn(bisection: Bisection, sha: string): Promise<void> {
  if ((await bisection.head().catch(() => null)) === sha) return;
  try {
    await bisection.checkout(sha);
  } catch {
    await bisection.createWorktree(sha);
  }
}
