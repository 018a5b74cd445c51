/**
 * Small executable test scripts for `git bisect run` and the engine's script
 * phases. Scripts run with the repository work tree as current directory.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Creates a fresh temporary directory (under the OS temp dir). */
export function makeTempDir(prefix = 'bisect-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory tree (no error if it is already gone). */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Writes `dir/name` with mode 755 and returns its absolute path. A
 * `#!/usr/bin/env bash` header is added unless `body` starts with `#!`.
 */
export async function writeScript(dir: string, name: string, body: string): Promise<string> {
  if (name.includes('/') || name === '' || name === '.' || name === '..') {
    throw new Error(`script name must be a plain file name, got ${JSON.stringify(name)}`);
  }
  await mkdir(dir, { recursive: true });
  const path = resolve(dir, name);
  const text = body.startsWith('#!') ? body : `#!/usr/bin/env bash\n${body}`;
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  await chmod(path, 0o755);
  return path;
}

/** Quotes a path for use inside a bash script body. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Exit 1 (bad) if the bug marker exists, else 0 (good). */
export function bugScript(dir: string, opts?: { name?: string; bugPath?: string }): Promise<string> {
  const bug = shq(opts?.bugPath ?? 'BUG');
  return writeScript(dir, opts?.name ?? 'bug.sh', `if [ -e ${bug} ]; then exit 1; fi\nexit 0\n`);
}

/** Exit 125 (skip) if the broken marker exists, 1 (bad) if the bug marker exists, else 0. */
export function buildThenBugScript(
  dir: string,
  opts?: { name?: string; bugPath?: string; brokenPath?: string },
): Promise<string> {
  const bug = shq(opts?.bugPath ?? 'BUG');
  const broken = shq(opts?.brokenPath ?? 'BROKEN');
  return writeScript(
    dir,
    opts?.name ?? 'build-then-bug.sh',
    `if [ -e ${broken} ]; then exit 125; fi\nif [ -e ${bug} ]; then exit 1; fi\nexit 0\n`,
  );
}

/**
 * The inverse of `bugScript`, for "find the fix" bisects with custom terms:
 * exit 0 (old term, e.g. "broken") while the bug exists, 1 (new term, "fixed") once it is gone.
 */
export function fixedScript(dir: string, opts?: { name?: string; bugPath?: string }): Promise<string> {
  const bug = shq(opts?.bugPath ?? 'BUG');
  return writeScript(dir, opts?.name ?? 'fixed.sh', `if [ -e ${bug} ]; then exit 0; fi\nexit 1\n`);
}

/** A script that exits with `code` (after printing `lines` lines to stdout). */
export async function exitScript(dir: string, code: number, opts?: { name?: string; lines?: number }): Promise<string> {
  const lines = opts?.lines ?? 0;
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new Error(`bad exit code ${code}`);
  if (!Number.isInteger(lines) || lines < 0) throw new Error(`bad line count ${lines}`);
  return writeScript(
    dir,
    opts?.name ?? `exit-${code}.sh`,
    `for ((i = 1; i <= ${lines}; i++)); do echo "line $i"; done\nexit ${code}\n`,
  );
}
