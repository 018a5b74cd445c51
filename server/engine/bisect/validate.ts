import path from 'node:path';
import { UserInputError } from '../types';
import { closestMatch } from '../util/closest';
import type { Terms } from './bisection';
import { GitRepo } from './repo';
import { termProblem } from './terms';

export interface BisectRequest {
  repoPath: string;
  bad: string;
  good: string[];
  terms?: Terms | undefined;
  firstParent?: boolean | undefined;
  paths?: string[] | undefined;
}

export interface ValidatedBisect {
  repoPath: string;
  badSha: string;
  goodShas: string[];
  terms: Terms;
  firstParent: boolean;
  paths: string[];
}

/**
 * Checks a bisect request against the repository with git itself and returns
 * full shas. Every problem is a UserInputError naming the field and what to do.
 */
export async function validateBisectRequest(req: BisectRequest): Promise<ValidatedBisect> {
  const repoPath = path.resolve(req.repoPath);
  const repo = new GitRepo(repoPath);
  if (!(await repo.exists())) throw new UserInputError(`${repoPath} does not exist`, 'repoPath');
  if (!(await repo.isRepo())) throw new UserInputError(`${repoPath} is not a git repository`, 'repoPath');
  const terms = validateTerms(req.terms ?? { old: 'good', new: 'bad' });
  if (req.good.length === 0) throw new UserInputError(`give at least one ${terms.old} ref`, 'good');

  const badSha = await resolveRef(repo, req.bad, 'bad');
  const goodShas: string[] = [];
  for (const ref of req.good) {
    const sha = await resolveRef(repo, ref, 'good');
    if (sha === badSha) {
      throw new UserInputError(`${terms.old} ref \`${ref}\` is the same commit as ${terms.new} ref \`${req.bad}\``, 'good');
    }
    if (!(await repo.isAncestor(sha, badSha))) {
      throw new UserInputError(
        `${terms.old} ref \`${ref}\` is not an ancestor of ${terms.new} ref \`${req.bad}\`: ` +
          `pick a ${terms.old} commit on the history of \`${req.bad}\`, or swap the terms to look for a fix`,
        'good',
      );
    }
    if (!goodShas.includes(sha)) goodShas.push(sha);
  }
  const paths = validatePaths(req.paths ?? []);
  if (paths.length > 0 && (await repo.rangeCommits(badSha, goodShas, req.firstParent ?? false, paths)).length === 0) {
    throw new UserInputError(`no commit between the ${terms.old} and ${terms.new} refs touches ${paths.map((p) => `\`${p}\``).join(', ')}`, 'paths');
  }
  return { repoPath, badSha, goodShas, terms, firstParent: req.firstParent ?? false, paths };
}

async function resolveRef(repo: GitRepo, ref: string, field: 'bad' | 'good'): Promise<string> {
  const trimmed = ref.trim();
  const sha = await repo.resolveCommit(trimmed);
  if (sha) return sha;
  const suggestion = closestMatch(trimmed, await repo.refNames());
  const hint = suggestion ? `: did you mean \`${suggestion}\`?` : '';
  throw new UserInputError(`ref \`${trimmed}\` not found in ${repo.dir}${hint}`, field);
}

function validateTerms(terms: Terms): Terms {
  for (const [term, role] of [[terms.old, 'old'], [terms.new, 'new']] as const) {
    const problem = termProblem(term, role);
    if (problem) throw new UserInputError(`\`${term}\` cannot be a bisect term: ${problem}${problem.includes('meaning') ? ' (use custom terms to look for a fix)' : ''}`, 'terms');
  }
  if (terms.old === terms.new) throw new UserInputError('the two terms must differ', 'terms');
  return terms;
}

function validatePaths(paths: string[]): string[] {
  return paths
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (p.includes('\0') || path.isAbsolute(p) || p.split('/').includes('..')) {
        throw new UserInputError(`path \`${p}\` must be relative to the repository and stay inside it`, 'paths');
      }
      return p;
    });
}
