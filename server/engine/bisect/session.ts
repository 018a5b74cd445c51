import type { BisectResult, EventSink } from '../events';
import type { Recipe } from '../recipe';
import { isInfraError, isUserInputError, type Executor } from '../types';
import { Bisection, type BisectState } from './bisection';
import { gitChoice, type NextCommitChooser } from './chooser';
import { RangeIndex } from './range';
import { GitRepo } from './repo';
import { runStep } from './step';
import type { ValidatedBisect } from './validate';

export interface BisectSessionOptions {
  sessionId: string;
  request: ValidatedBisect;
  recipe: Recipe;
  /** Directory for this session's detached worktree (created, and removed at the end). */
  worktree: string;
  /** Directory for per-step scratch files such as `$BISECT_ENV`. */
  scratchDir: string;
}

export interface BisectDeps {
  sink: EventSink;
  executorFor: (on: string) => Executor;
  signal: AbortSignal;
  chooser?: NextCommitChooser;
}

export type SessionStatus = 'done' | 'failed' | 'cancelled';

/**
 * Runs one bisect from start to finish and reports everything through the sink.
 * Never throws: every ending, including infrastructure errors, is reported as a
 * `sessionFinished` event and returned.
 */
export async function runBisect(o: BisectSessionOptions, deps: BisectDeps): Promise<SessionStatus> {
  const { request: r } = o;
  const { sink } = deps;
  const repo = new GitRepo(r.repoPath);
  const bisection = new Bisection(r.repoPath, o.worktree, r.terms);
  let log = '';
  try {
    await bisection.createWorktree(r.badSha);
    const range = new RangeIndex(await repo.rangeCommits(r.badSha, r.goodShas, r.firstParent, r.paths));
    let state = await bisection.start({ bad: r.badSha, good: r.goodShas, terms: r.terms, firstParent: r.firstParent, paths: r.paths });
    await sink.emit({
      type: 'sessionStarted',
      range: { size: range.size, badSha: r.badSha, goodShas: r.goodShas, badPosition: range.position(r.badSha) },
      suspect: range.size > 0 ? [[0, range.size]] : [],
      ...progress(state),
    });
    const chooser = deps.chooser ?? gitChoice;
    for (let step = 1; state.kind === 'testing'; step++) {
      if (deps.signal.aborted) return await finish('cancelled', null, 'cancelled before the next step');
      const sha = await chooser.next(state, bisection);
      const commit = await repo.commitInfo(sha);
      const started = Date.now();
      await sink.emit({ type: 'stepStarted', step, commit, position: range.position(sha), ...progress(state) });
      const decision = await runStep({
        sessionId: o.sessionId,
        step,
        sha,
        worktree: o.worktree,
        scratchDir: o.scratchDir,
        terms: r.terms,
        recipe: o.recipe,
        sink,
        executorFor: deps.executorFor,
        signal: deps.signal,
      });
      if (decision.kind === 'abort') {
        const status = deps.signal.aborted ? 'cancelled' : 'failed';
        return await finish(status, null, `step ${step} aborted the bisect: ${decision.reason}`);
      }
      state = await bisection.mark(decision.verdict, sha);
      await sink.emit({
        type: 'stepFinished',
        step,
        verdict: decision.verdict,
        term: decision.verdict === 'skip' ? 'skip' : decision.verdict === 'good' ? r.terms.old : r.terms.new,
        reason: decision.reason,
        ms: Date.now() - started,
        suspect: range.runs(await bisection.suspects(r.firstParent, r.paths)),
        ...progress(state),
      });
    }
    return await finish('done', await describeResult(repo, state), null);
  } catch (error) {
    return await finish(deps.signal.aborted ? 'cancelled' : 'failed', null, describeError(error));
  } finally {
    await bisection.removeWorktree().catch(() => undefined);
  }

  async function finish(status: SessionStatus, result: BisectResult | null, error: string | null): Promise<SessionStatus> {
    log = await bisection.log().catch(() => log);
    await sink.emit({ type: 'sessionFinished', status, result, bisectLog: log, error });
    return status;
  }
}

function progress(state: BisectState): { revisionsLeft: number; stepsLeft: number } {
  return state.kind === 'testing' ? { revisionsLeft: state.revisionsLeft, stepsLeft: state.stepsLeft } : { revisionsLeft: 0, stepsLeft: 0 };
}

async function describeResult(repo: GitRepo, state: BisectState): Promise<BisectResult> {
  if (state.kind === 'culprit') return { kind: 'culprit', commit: await repo.commitDetail(state.sha) };
  if (state.kind === 'candidates') return { kind: 'candidates', commits: await repo.commitInfos(state.shas) };
  throw new Error('bisect has not ended');
}

function describeError(error: unknown): string {
  if (isInfraError(error)) return `infrastructure error (no verdict recorded): ${error.message}`;
  if (isUserInputError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
