import { access, rm, writeFile } from 'node:fs/promises';
import type { Verdict } from '../types';
import { GitError, gitOk, runGit, type GitResult } from './git';
import { parseBisectLog, sqQuote } from './log-parser';

export interface Terms {
  old: string;
  new: string;
}

/** Where git's bisect stands after `start` or a mark. */
export type BisectState =
  | { kind: 'testing'; sha: string; revisionsLeft: number; stepsLeft: number }
  | { kind: 'culprit'; sha: string }
  | { kind: 'candidates'; shas: string[] };

/** A verdict recorded for a commit, in the order it was given. */
export interface Mark {
  sha: string;
  verdict: Verdict;
}

export interface StartOptions {
  bad: string;
  good: string[];
  terms: Terms;
  firstParent: boolean;
  paths: string[];
}

const PROGRESS_RE = /Bisecting: (\d+) revisions? left to test after this \(roughly (\d+) steps?\)/;
// git < 2.55 says "is the first bad commit"; 2.55 quotes the term: "first 'bad' commit".
const CULPRIT_RE = /^([0-9a-f]{40}) is the first /m;
const SKIPPED_ONLY_RE = /only 'skip'ped commits left to test/;
const SHA_LINE_RE = /^([0-9a-f]{40})\b/gm;

/**
 * Drives `git bisect` inside one detached worktree of the user's repository, so
 * the user's own checkout is never touched and sessions can run side by side
 * (refs/bisect/* and BISECT_* files are per worktree).
 */
export class Bisection {
  constructor(
    readonly repoDir: string,
    readonly worktree: string,
    readonly terms: Terms,
  ) {}

  /** Creates a fresh detached worktree at `sha`, replacing any left from a crash. */
  async createWorktree(sha: string): Promise<void> {
    await this.removeWorktree();
    await gitOk(this.repoDir, ['worktree', 'add', '--detach', '--force', this.worktree, sha]);
  }

  async removeWorktree(): Promise<void> {
    await runGit(this.repoDir, ['worktree', 'remove', '--force', '--force', this.worktree]);
    await rm(this.worktree, { recursive: true, force: true });
    await runGit(this.repoDir, ['worktree', 'prune']);
  }

  async start(o: StartOptions): Promise<BisectState> {
    return this.interpret(await runGit(this.worktree, ['bisect', 'start', ...startArgs(o)]), 'start');
  }

  /**
   * Rebuilds the bisect from scratch in a fresh worktree: `git bisect start`
   * with the session's arguments plus every recorded mark, via `git bisect replay`.
   */
  async rebuild(o: StartOptions, marks: Mark[], scratchFile: string, recreate = true): Promise<BisectState> {
    if (recreate) await this.createWorktree(o.bad);
    const lines = [`git bisect start ${startArgs(o).map(sqQuote).join(' ')}`];
    for (const m of marks) lines.push(`git bisect ${this.word(m.verdict)} ${m.sha}`);
    await writeFile(scratchFile, `${lines.join('\n')}\n`);
    return this.interpret(await runGit(this.worktree, ['bisect', 'replay', scratchFile]), 'replay');
  }

  /** The marks git has in this worktree, or null when there is no bisect in progress here. */
  async recordedMarks(): Promise<Mark[] | null> {
    try {
      await access(this.worktree);
    } catch {
      return null;
    }
    const r = await runGit(this.worktree, ['bisect', 'log']);
    if (r.code !== 0) return null;
    try {
      return parseBisectLog(r.stdout).marks.map((m) => ({ sha: m.sha, verdict: m.verdict }));
    } catch {
      return null;
    }
  }

  /** Where the bisect stands now (checks out git's next commit if needed). */
  async current(): Promise<BisectState> {
    return this.interpret(await runGit(this.worktree, ['bisect', 'next']), 'next');
  }

  /** Checks out a commit in the worktree (for endpoint checks before the bisect starts). */
  async checkout(sha: string): Promise<void> {
    await gitOk(this.worktree, ['checkout', '-q', '--detach', '--force', sha]);
  }

  /** Records a verdict for `sha` with git's own command. */
  async mark(verdict: Verdict, sha: string): Promise<BisectState> {
    const word = this.word(verdict);
    return this.interpret(await runGit(this.worktree, ['bisect', word, sha]), word);
  }

  private word(verdict: Verdict): string {
    return verdict === 'skip' ? 'skip' : verdict === 'good' ? this.terms.old : this.terms.new;
  }

  async log(): Promise<string> {
    const r = await runGit(this.worktree, ['bisect', 'log']);
    return r.code === 0 ? r.stdout : '';
  }

  async head(): Promise<string> {
    return (await gitOk(this.worktree, ['rev-parse', 'HEAD'])).trim();
  }

  /** Commits still suspected: reachable from the new-term ref and from no old-term ref. */
  async suspects(firstParent: boolean, paths: string[]): Promise<string[]> {
    const refs = await gitOk(this.worktree, ['for-each-ref', '--format=%(refname)', 'refs/bisect/']);
    const all = refs.split('\n').filter(Boolean);
    const bad = all.find((r) => r === `refs/bisect/${this.terms.new}`);
    if (!bad) return [];
    const goods = all.filter((r) => r.startsWith(`refs/bisect/${this.terms.old}-`));
    const args = ['rev-list'];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--', ...paths);
    return (await gitOk(this.worktree, args)).split('\n').filter(Boolean);
  }

  private async interpret(r: GitResult, what: string): Promise<BisectState> {
    const text = `${r.stdout}\n${r.stderr}`;
    const culprit = CULPRIT_RE.exec(r.stdout);
    if (culprit?.[1]) return { kind: 'culprit', sha: culprit[1] };
    if (SKIPPED_ONLY_RE.test(text)) {
      const shas = [...r.stdout.matchAll(SHA_LINE_RE)].map((m) => m[1] as string);
      return { kind: 'candidates', shas: [...new Set(shas)] };
    }
    const progress = PROGRESS_RE.exec(r.stdout);
    if (r.code === 0 && progress) {
      return {
        kind: 'testing',
        sha: await this.head(),
        revisionsLeft: Number(progress[1]),
        stepsLeft: Number(progress[2]),
      };
    }
    throw new GitError(`git bisect ${what} failed: ${text.trim() || `exit ${r.code}`}`, r);
  }
}

function startArgs(o: StartOptions): string[] {
  const args: string[] = [];
  if (o.terms.old !== 'good' || o.terms.new !== 'bad') args.push('--term-old', o.terms.old, '--term-new', o.terms.new);
  if (o.firstParent) args.push('--first-parent');
  args.push(o.bad, ...o.good, '--', ...o.paths);
  return args;
}
