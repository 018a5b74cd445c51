import path from 'node:path';
import type { PatchSpec } from '../recipe';
import { runGit } from './git';

/** What happened to a step's patches: applied here, already in the tested commit, or the one that failed. */
export interface PatchOutcome {
  applied: string[];
  contained: string[];
  failed: { patch: string; message: string } | null;
}

export function patchLabel(p: PatchSpec): string {
  return 'commit' in p ? p.commit : p.file;
}

/**
 * Applies the recipe's patches in the worktree, in order, skipping those the
 * tested commit already contains (an ancestor commit; a patch file that
 * reverse-applies). Stops at the first that does not apply; the caller then
 * undoes everything with `undoPatches`. Refs are passed to git as arguments.
 */
export async function applyPatches(worktree: string, repoDir: string, patches: readonly PatchSpec[]): Promise<PatchOutcome> {
  const out: PatchOutcome = { applied: [], contained: [], failed: null };
  for (const p of patches) {
    const label = patchLabel(p);
    const r = 'commit' in p ? await applyCommit(worktree, p.commit) : await applyFile(worktree, path.resolve(repoDir, p.file));
    if (r === 'applied') out.applied.push(label);
    else if (r === 'contained') out.contained.push(label);
    else {
      out.failed = { patch: label, message: r.message };
      return out;
    }
  }
  return out;
}

type Applied = 'applied' | 'contained' | { message: string };

async function applyCommit(worktree: string, ref: string): Promise<Applied> {
  if (ref.startsWith('-')) return { message: `"${ref}" is not a commit` };
  const resolved = await runGit(worktree, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  const sha = resolved.stdout.trim();
  if (resolved.code !== 0 || !sha) return { message: `commit ${ref} is not in the repository` };
  if ((await runGit(worktree, ['merge-base', '--is-ancestor', sha, 'HEAD'])).code === 0) return 'contained';
  const picked = await runGit(worktree, ['cherry-pick', '--no-commit', sha]);
  if (picked.code === 0) return 'applied';
  return { message: firstLines(`${picked.stderr}\n${picked.stdout}`) };
}

async function applyFile(worktree: string, file: string): Promise<Applied> {
  if ((await runGit(worktree, ['apply', '--reverse', '--check', '--', file])).code === 0) return 'contained';
  const applied = await runGit(worktree, ['apply', '--3way', '--', file]);
  if (applied.code === 0) return 'applied';
  return { message: firstLines(applied.stderr) };
}

/** Puts the worktree's tracked files back at the tested commit; untracked build output stays. */
export async function undoPatches(worktree: string): Promise<void> {
  await runGit(worktree, ['cherry-pick', '--quit']);
  await runGit(worktree, ['reset', '-q', '--hard', 'HEAD']);
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' · ') || 'git gave no reason';
}
