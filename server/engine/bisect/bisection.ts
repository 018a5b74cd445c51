import { access, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../types';
import { GitError, gitOk, runGit, type GitResult } from './git';
import { parseBisectLog, sqQuote } from '../bisect-log';
import { termFor, type BisectTerms } from './terms';

/** The old/new words of a bisect (see terms.ts for what they may be). */
export type Terms = BisectTerms;

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
    /**
     * Where a finished session parks its worktree for the next session of the
     * same repository: checking out a few changed files beats writing a whole
     * tree again, and untracked-but-ignored build output survives for
     * incremental builds, as in a developer's own checkout.
     */
    readonly spareWorktree?: string,
  ) {}

  /**
   * Creates a detached worktree at `sha` (from the parked spare when there is
   * one), replacing any left from a crash. With `exact: false` an adopted spare
   * may stay at the commit it was parked at: `git bisect start` is about to
   * check out another commit anyway, and one checkout is cheaper than two.
   */
  async createWorktree(sha: string, o: { exact: boolean } = { exact: true }): Promise<void> {
    // Nothing left from a crash (the usual case): no `worktree remove`/`prune` processes; `add --force`
    // takes over a registration whose directory is gone. Anything odd gets the full cleanup, then one retry.
    const leftover = await exists(this.worktree);
    if (leftover) await this.removeWorktree();
    if (await this.adoptSpare(sha, o.exact)) return;
    const args = ['worktree', 'add', '--detach', '--force', this.worktree, sha];
    if (leftover || (await runGit(this.repoDir, args)).code !== 0) {
      if (!leftover) await this.removeWorktree();
      await gitOk(this.repoDir, args);
    }
  }

  /** Ends the session's use of its worktree: parked as the spare if that slot is free, removed otherwise. */
  async retireWorktree(): Promise<void> {
    if (this.spareWorktree && !(await exists(this.spareWorktree)) && (await exists(this.worktree))) {
      await runGit(this.worktree, ['bisect', 'reset', 'HEAD']);
      const moved = await runGit(this.repoDir, ['worktree', 'move', this.worktree, this.spareWorktree]);
      if (moved.code === 0) return;
    }
    await this.removeWorktree();
  }

  private async adoptSpare(sha: string, exact: boolean): Promise<boolean> {
    if (!this.spareWorktree || !(await exists(this.spareWorktree))) return false;
    const moved = await runGit(this.repoDir, ['worktree', 'move', this.spareWorktree, this.worktree]);
    if (moved.code !== 0) return false; // another session took it first
    await runGit(this.worktree, ['bisect', 'reset', 'HEAD']); // a bisect left in it, if any
    const target = exact ? sha : 'HEAD';
    const ok =
      (await runGit(this.worktree, ['checkout', '-q', '--detach', '--force', target])).code === 0 &&
      (await runGit(this.worktree, ['clean', '-fdq'])).code === 0;
    if (!ok) await this.removeWorktree();
    return ok;
  }

  async removeWorktree(): Promise<void> {
    await runGit(this.repoDir, ['worktree', 'remove', '--force', '--force', this.worktree]);
    await rm(this.worktree, { recursive: true, force: true });
    await runGit(this.repoDir, ['worktree', 'prune']);
  }

  async start(o: StartOptions): Promise<BisectState> {
    return this.interpret(await runGit(this.worktree, ['bisect', 'start', ...startArgs(o)]), 'start');
  }

  /** `start` in a worktree that may hold a bisect (as `replay` would reset it first). */
  private async startFresh(o: StartOptions): Promise<BisectState> {
    if (await exists(path.join(await this.gitDir(), 'BISECT_START'))) await runGit(this.worktree, ['bisect', 'reset', 'HEAD']);
    return this.start(o);
  }

  /** The worktree's own git dir (from its `.git` file; git itself for anything unusual). */
  private async gitDir(): Promise<string> {
    try {
      const pointer = (await readFile(path.join(this.worktree, '.git'), 'utf8')).trim();
      if (pointer.startsWith('gitdir: ')) return path.resolve(this.worktree, pointer.slice(8));
    } catch {
      // fall through
    }
    return path.resolve(this.worktree, (await gitOk(this.worktree, ['rev-parse', '--git-dir'])).trim());
  }

  /**
   * Rebuilds the bisect from scratch in a fresh worktree: `git bisect start`
   * with the session's arguments plus every recorded mark, via `git bisect replay`.
   */
  async rebuild(o: StartOptions, marks: Mark[], scratchFile: string, recreate = true): Promise<BisectState> {
    if (recreate) await this.createWorktree(o.bad);
    // No marks: `replay` would be `start` plus a second `bisect next` (and its checkout pass); `start` is one command.
    if (marks.length === 0) return this.startFresh(o);
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
    return termFor(verdict, this.terms);
  }

  async log(): Promise<string> {
    const r = await runGit(this.worktree, ['bisect', 'log']);
    return r.code === 0 ? r.stdout : '';
  }

  /**
   * The worktree's HEAD. A detached worktree keeps it as a sha in its git dir,
   * read here without starting a process (called around every step); anything
   * unusual falls back to git itself. Throws when the worktree is gone.
   */
  async head(): Promise<string> {
    try {
      const pointer = (await readFile(path.join(this.worktree, '.git'), 'utf8')).trim();
      const gitDir = pointer.startsWith('gitdir: ') ? path.resolve(this.worktree, pointer.slice(8)) : null;
      const head = gitDir ? (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim() : '';
      if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
    } catch {
      // fall through to git, which says what is wrong
    }
    return (await gitOk(this.worktree, ['rev-parse', 'HEAD'])).trim();
  }

  /** Commits still suspected: reachable from the new-term ref and from no old-term ref. */
  async suspects(firstParent: boolean, paths: string[]): Promise<string[]> {
    const args = ['rev-list'];
    if (firstParent) args.push('--first-parent');
    args.push(`refs/bisect/${this.terms.new}`, '--not', `--glob=refs/bisect/${this.terms.old}-*`, '--', ...paths);
    const r = await runGit(this.worktree, args);
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
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

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
