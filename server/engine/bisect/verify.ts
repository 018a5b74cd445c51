import type { BisectResult, CommitInfo, CulpritVerification, EventSink, VerifyRunOutcome } from '../events';
import { termFor } from './terms';
import type { Recipe } from '../recipe';
import { isInfraError, type Executor } from '../types';
import type { Bisection, Terms } from './bisection';
import { runGit } from './git';
import type { HostLock } from './session';
import { runStep } from './step';

/** Abort reason that stops a session to be resumed (same value as session.ts's INTERRUPT). */
const INTERRUPT = 'interrupt';

export interface VerifyContext {
  sessionId: string;
  repoDir: string;
  scratchDir: string;
  terms: Terms;
  recipe: Recipe;
  sink: EventSink;
  executorFor: (on: string) => Executor;
  signal: AbortSignal;
  hostLock?: HostLock | undefined;
  /** The worktree the runs use (the session's, or slot 1's). */
  bisection: Bisection;
  /** Slot 1's role → host map, for sessions with slots. */
  hosts?: Record<string, string> | undefined;
  sharedHosts?: ReadonlySet<string> | undefined;
  /** Hands out the next step number (verification runs are steps of kind `verify`). */
  nextStep: () => number;
  commitInfo: (sha: string) => Promise<CommitInfo>;
  /** Position in the range (-1 outside it). */
  position: (sha: string) => number;
}

type Run = { step?: number; outcome: VerifyRunOutcome; reason: string };

/**
 * Adds a verification to a culprit result (other results are returned as they
 * are): the bad commit with the culprit reverted, then the culprit's parent.
 * Never throws and never drops the culprit: a failure to verify is "not
 * verified: <why>". Resolves 'interrupted' when the session is stopped to be
 * resumed (the resumed session verifies again).
 */
export async function verifyResult(v: VerifyContext, result: BisectResult, badSha: string): Promise<BisectResult | 'interrupted'> {
  if (result.kind !== 'culprit') return result;
  const culprit = result.commit.sha;
  const verification = await verifyCulprit(v, culprit, badSha).catch(
    (error: unknown): CulpritVerification => notRun('', badSha, `verification failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  if (v.signal.aborted && v.signal.reason === INTERRUPT) return 'interrupted';
  await v.sink.emit({ type: 'culpritVerified', verification });
  await v.sink.emit({ type: 'log', level: verification.verified ? 'info' : 'warn', message: `culprit ${culprit.slice(0, 12)}: ${verification.summary}` });
  return { ...result, verification };
}

async function verifyCulprit(v: VerifyContext, culprit: string, bad: string): Promise<CulpritVerification> {
  const parentSha = (await runGit(v.repoDir, ['rev-parse', '--verify', '--quiet', `${culprit}^1`])).stdout.trim();
  if (v.recipe.phases.some((p) => p.kind === 'checkout')) {
    return notRun(parentSha, bad, 'the recipe builds in a host\'s own clone (a checkout phase), which a revert in the local worktree does not reach');
  }
  await v.sink.emit({ type: 'log', level: 'info', message: `verifying the culprit: testing ${bad.slice(0, 12)} with ${culprit.slice(0, 12)} reverted, then its parent` });
  const revert = await revertRun(v, culprit, bad);
  const rev = { sha: bad, ...revert };
  if (revert.outcome !== 'good') {
    const parent = { sha: parentSha, outcome: 'notRun' as const, reason: 'not tested: the revert did not fix the bad commit' };
    return { verified: false, summary: revertSummary(rev, v.terms), revert: rev, parent };
  }
  const parent = parentSha
    ? { sha: parentSha, ...(await testRun(v, parentSha, 'parent')) }
    : { sha: '', outcome: 'notRun' as const, reason: 'the culprit is a root commit' };
  const verified = parent.outcome === 'good';
  const summary = verified ? verifiedSummary(v.terms) : parentSummary(parent, v.terms);
  return { verified, summary, revert: rev, parent };
}

/** Checks out the bad commit, reverts the culprit without committing, tests, and puts the tree back. */
async function revertRun(v: VerifyContext, culprit: string, bad: string): Promise<Run & { conflicts?: string[] }> {
  const wt = v.bisection.worktree;
  await v.bisection.checkout(bad);
  const isMerge = (await runGit(wt, ['rev-parse', '--verify', '--quiet', `${culprit}^2`])).code === 0;
  const reverted = await runGit(wt, ['revert', '--no-commit', ...(isMerge ? ['-m', '1'] : []), culprit]);
  try {
    if (reverted.code !== 0) {
      const conflicts = (await runGit(wt, ['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);
      const why = conflicts.length > 0 ? `the revert conflicts in ${conflicts.join(', ')}` : `git revert failed: ${firstLine(reverted.stderr)}`;
      return { outcome: 'conflict', reason: why, conflicts };
    }
    return await testRun(v, bad, 'revert');
  } finally {
    await runGit(wt, ['revert', '--quit']);
    await runGit(wt, ['reset', '-q', '--hard', 'HEAD']);
  }
}

/** One verification run: a step of kind `verify` through the recipe's phases. */
async function testRun(v: VerifyContext, sha: string, what: 'revert' | 'parent'): Promise<Run> {
  if (what === 'parent') await v.bisection.checkout(sha);
  const step = v.nextStep();
  const started = Date.now();
  const commit = await v.commitInfo(sha);
  await v.sink.emit({ type: 'stepStarted', step, commit, position: v.position(sha), revisionsLeft: 0, stepsLeft: 0, kind: 'verify', verify: what });
  try {
    const d = await runStep({
      sessionId: v.sessionId,
      step,
      sha,
      worktree: v.bisection.worktree,
      scratchDir: v.scratchDir,
      terms: v.terms,
      recipe: v.recipe,
      sink: v.sink,
      executorFor: v.executorFor,
      signal: v.signal,
      hostLock: v.hostLock,
      hosts: v.hosts,
      sharedHosts: v.sharedHosts,
      repoDir: v.repoDir,
    });
    if (v.signal.aborted) {
      const why = v.signal.reason === INTERRUPT ? 'stopped to be resumed' : 'cancelled';
      await v.sink.emit({ type: 'stepInterrupted', step, reason: why });
      return { step, outcome: 'error', reason: why };
    }
    if (d.kind === 'abort') {
      await v.sink.emit({ type: 'stepInterrupted', step, reason: `aborted: ${d.reason}` });
      return { step, outcome: 'error', reason: d.reason };
    }
    const term = termFor(d.verdict, v.terms);
    await v.sink.emit({ type: 'stepFinished', step, verdict: d.verdict, term, reason: d.reason, ms: Date.now() - started });
    return { step, outcome: d.verdict, reason: d.reason };
  } catch (error) {
    if (!isInfraError(error)) throw error;
    await v.sink.emit({ type: 'stepInterrupted', step, reason: `infrastructure error: ${error.message}` });
    return { step, outcome: 'error', reason: `infrastructure error: ${error.message}` };
  }
}

function verifiedSummary(t: Terms): string {
  if (t.old === 'good' && t.new === 'bad') return 'verified: reverting it fixes the bad commit';
  return `verified: reverting it makes the ${t.new} commit ${t.old} again`;
}

function revertSummary(r: Run & { conflicts?: string[] }, t: Terms): string {
  switch (r.outcome) {
    case 'conflict':
      return `not verified: ${r.reason}`;
    case 'bad':
      return `not verified: the ${t.new} commit still fails with the culprit reverted (${r.reason})`;
    case 'skip':
      return `not verified: the ${t.new} commit with the culprit reverted could not be tested (skip: ${r.reason})`;
    default:
      return `not verified: ${r.reason}`;
  }
}

function parentSummary(p: Run, t: Terms): string {
  switch (p.outcome) {
    case 'bad':
      return `not verified: the culprit's parent now tests ${t.new} (${p.reason}): a flaky reproducer?`;
    case 'skip':
      return `not verified: the culprit's parent could not be tested (skip: ${p.reason})`;
    default:
      return `not verified: ${p.reason}`;
  }
}

function notRun(parent: string, bad: string, why: string): CulpritVerification {
  return {
    verified: false,
    summary: `not verified: ${why}`,
    revert: { sha: bad, outcome: 'notRun', reason: why },
    parent: { sha: parent, outcome: 'notRun', reason: why },
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? 'git gave no reason';
}
