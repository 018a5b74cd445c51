import { stat } from 'node:fs/promises';
import type { CommitDetail, CommitInfo } from '../events';
import { gitOk, runGit } from './git';

const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const FIELD = '\x1f';

/** Read-only questions about a user's repository, answered by git itself. */
export class GitRepo {
  constructor(readonly dir: string) {}

  async exists(): Promise<boolean> {
    try {
      return (await stat(this.dir)).isDirectory();
    } catch {
      return false;
    }
  }

  async isRepo(): Promise<boolean> {
    const r = await runGit(this.dir, ['rev-parse', '--git-dir']);
    return r.code === 0;
  }

  /** Full sha of the commit a ref names, or null. Refs are never interpreted as options. */
  async resolveCommit(ref: string): Promise<string | null> {
    if (ref.startsWith('-') || ref.length === 0 || /[\0\n]/.test(ref)) return null;
    const r = await runGit(this.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    const sha = r.stdout.trim();
    return r.code === 0 && SHA_RE.test(sha) ? sha : null;
  }

  async refNames(): Promise<string[]> {
    const out = await gitOk(this.dir, ['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/tags', 'refs/remotes']);
    return out.split('\n').filter(Boolean);
  }

  /** True when `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const r = await runGit(this.dir, ['merge-base', '--is-ancestor', ancestor, descendant]);
    return r.code === 0;
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const out = await gitOk(this.dir, ['show', '-s', `--format=%H${FIELD}%s${FIELD}%an${FIELD}%ae${FIELD}%aI`, sha, '--']);
    return parseInfo(out.trimEnd());
  }

  async commitInfos(shas: string[]): Promise<CommitInfo[]> {
    if (shas.length === 0) return [];
    const out = await gitOk(this.dir, ['show', '-s', '--no-walk=unsorted', `--format=%H${FIELD}%s${FIELD}%an${FIELD}%ae${FIELD}%aI`, ...shas, '--']);
    return out.trimEnd().split('\n').map(parseInfo);
  }

  /** `known`: the commit's info when the caller has it already (one git call fewer). */
  async commitDetail(sha: string, known?: CommitInfo): Promise<CommitDetail> {
    const [info, message, diffstat] = await Promise.all([
      known ?? this.commitInfo(sha),
      gitOk(this.dir, ['show', '-s', '--format=%B', sha, '--']),
      gitOk(this.dir, ['show', '--stat=100', '--format=', sha, '--']),
    ]);
    return { ...info, message: message.trimEnd(), diffstat: diffstat.trim() };
  }

  /** The commit `git bisect start` picks first for this range (`rev-list --bisect`), or null. */
  async bisectPick(bad: string, goods: string[], firstParent: boolean, paths: string[]): Promise<string | null> {
    const args = ['rev-list', '--bisect'];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--', ...paths);
    const r = await runGit(this.dir, args);
    const sha = r.stdout.trim();
    return r.code === 0 && SHA_RE.test(sha) ? sha : null;
  }

  /** The bisect range with each commit's subject, author and date, oldest first, in one git call. */
  async rangeCommitInfos(bad: string, goods: string[], firstParent: boolean, paths: string[]): Promise<CommitInfo[]> {
    const args = ['log', '--reverse', '--topo-order', `--format=%H${FIELD}%s${FIELD}%an${FIELD}%ae${FIELD}%aI`];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--', ...paths);
    const out = await gitOk(this.dir, args);
    return out.split('\n').filter(Boolean).map(parseInfo);
  }

  /**
   * rangeCommitInfos plus each commit's parents (all of them, as stored: no
   * path simplification, so only for a bisect without paths), in the same git call.
   */
  async rangeCommitInfosWithParents(bad: string, goods: string[], firstParent: boolean): Promise<{ infos: CommitInfo[]; parents: Map<string, string[]> }> {
    const args = ['log', '--reverse', '--topo-order', `--format=%H${FIELD}%P${FIELD}%s${FIELD}%an${FIELD}%ae${FIELD}%aI`];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--');
    const infos: CommitInfo[] = [];
    const parents = new Map<string, string[]>();
    for (const line of (await gitOk(this.dir, args)).split('\n')) {
      if (!line) continue;
      const [sha = '', ps = '', ...rest] = line.split(FIELD);
      infos.push(parseInfo([sha, ...rest].join(FIELD)));
      parents.set(sha, ps.split(' ').filter(Boolean));
    }
    return { infos, parents };
  }

  /**
   * The bisect range as a DAG, oldest first (every parent before its children):
   * each commit's parents inside the range, after git's history simplification
   * for `paths` (`rev-list --parents` rewrites them), first parents only with
   * `firstParent`. Parents outside the range (the good side) are left out.
   */
  async rangeGraph(bad: string, goods: string[], firstParent: boolean, paths: string[]): Promise<{ shas: string[]; parents: number[][] }> {
    const args = ['rev-list', '--reverse', '--topo-order', '--parents'];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--', ...paths);
    const lines = (await gitOk(this.dir, args)).split('\n').filter(Boolean);
    const rows = lines.map((l) => l.split(' '));
    const shas = rows.map((r) => r[0] as string);
    const index = new Map(shas.map((sha, i) => [sha, i]));
    const parents = rows.map((r) => {
      const ps = r.slice(1);
      const inRange = (firstParent ? ps.slice(0, 1) : ps).map((p) => index.get(p)).filter((i): i is number => i !== undefined);
      return [...new Set(inRange)];
    });
    return { shas, parents };
  }

  /** The bisect range in git's order, oldest first: `rev-list --topo-order bad --not good...`. */
  async rangeCommits(bad: string, goods: string[], firstParent: boolean, paths: string[]): Promise<string[]> {
    const args = ['rev-list', '--reverse', '--topo-order'];
    if (firstParent) args.push('--first-parent');
    args.push(bad, '--not', ...goods, '--', ...paths);
    const out = await gitOk(this.dir, args);
    return out.split('\n').filter(Boolean);
  }
}

function parseInfo(line: string): CommitInfo {
  const [sha = '', subject = '', author = '', authorEmail = '', date = ''] = line.split(FIELD);
  return { sha, subject, author, authorEmail, date };
}
