/**
 * Test helpers around real git: a git runner for tests, and `git bisect run`
 * as the reference the engine's answers are compared with. The repository
 * generator lives in ../repo-gen (the demo uses it too) and is re-exported here
 * for the tests.
 *
 * Node builtins only; git is always run with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

// ---------------------------------------------------------------------------
// git runner
// ---------------------------------------------------------------------------

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Variables that would redirect git away from `dir`; never inherited. */
const GIT_REDIRECT_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of GIT_REDIRECT_VARS) delete env[k];
  // English messages (we parse them) and never prompt.
  env.LC_ALL = 'C';
  env.LANG = 'C';
  env.LANGUAGE = 'C';
  env.GIT_TERMINAL_PROMPT = '0';
  return { ...env, ...extra };
}

/**
 * Runs `git ARGS` in `dir` and resolves with its output and exit code (it does
 * not reject on a non-zero exit; it rejects only if git cannot be spawned).
 */
export function git(
  dir: string,
  args: string[],
  opts?: { input?: string; env?: Record<string, string> },
): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, {
      cwd: dir,
      env: gitEnv(opts?.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    // A child that exits before reading all its input must not crash us.
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      resolvePromise({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal ? 128 : 1),
      });
    });
    if (opts?.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like `git` but throws (with stderr) on a non-zero exit; returns stdout. */
export async function gitOk(dir: string, args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<string> {
  const r = await git(dir, args, opts);
  if (r.code !== 0) {
    throw new Error(`git ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

export { generateRepo, planHistory, type CommitInfo, type GenOptions, type GeneratedRepo } from '../repo-gen/generate';
export { mulberry32 as makeRng } from '../util/rng';

// ---------------------------------------------------------------------------
// running a real `git bisect`
// ---------------------------------------------------------------------------

export interface BisectRunResult {
  /** The first bad (new-term) commit, or null if git could not tell. */
  firstBad: string | null;
  /** When only skipped commits were left: the commits that could be first bad. Empty otherwise. */
  candidates: string[];
  /** `git bisect log` before the reset. */
  log: string;
  /** Exit code of `git bisect run` (or of `git bisect start` if that failed). */
  exitCode: number;
  /** Combined stdout and stderr of `git bisect start` and `git bisect run`. */
  output: string;
}

/** Parses `git bisect run`/`git bisect next` output (any git version, any terms). */
export function parseBisectOutput(text: string): { firstBad: string | null; candidates: string[] } {
  const first = /^([0-9a-f]{40}) is the first/m.exec(text);
  if (first) return { firstBad: first[1]!, candidates: [] };
  const candidates: string[] = [];
  const at = text.search(/only 'skip'ped commits left to test/);
  if (at >= 0) {
    for (const line of text.slice(at).split('\n').slice(1)) {
      const m = /^([0-9a-f]{40})\b/.exec(line.trim());
      if (m) candidates.push(m[1]!);
      else if (/cannot bisect more/i.test(line)) break;
    }
  }
  return { firstBad: null, candidates };
}

/**
 * Runs `git bisect start [...] BAD GOOD... [-- PATHS]`, then `git bisect run
 * SCRIPT`, collects the result and the bisect log, and always resets.
 */
export async function gitBisectRun(
  dir: string,
  opts: {
    bad: string;
    good: string[];
    /** Path to an executable; run by git with `dir` as working directory. */
    script: string;
    terms?: { old: string; new: string };
    firstParent?: boolean;
    paths?: string[];
  },
): Promise<BisectRunResult> {
  const start = ['bisect', 'start'];
  if (opts.terms) start.push('--term-old', opts.terms.old, '--term-new', opts.terms.new);
  if (opts.firstParent) start.push('--first-parent');
  start.push(opts.bad, ...opts.good);
  if (opts.paths && opts.paths.length > 0) start.push('--', ...opts.paths);

  try {
    const s = await git(dir, start);
    let output = s.stdout + s.stderr;
    if (s.code !== 0) {
      return { firstBad: null, candidates: [], log: '', exitCode: s.code, output };
    }
    // git bisect start may already know the answer (e.g. bad's parent is good).
    const early = parseBisectOutput(output);
    const r = early.firstBad ? null : await git(dir, ['bisect', 'run', resolve(opts.script)]);
    if (r) output += r.stdout + r.stderr;
    const parsed = early.firstBad ? early : parseBisectOutput(r!.stdout + '\n' + r!.stderr);
    const log = await git(dir, ['bisect', 'log']);
    return { ...parsed, log: log.stdout, exitCode: r ? r.code : 0, output };
  } finally {
    await git(dir, ['bisect', 'reset']);
  }
}
