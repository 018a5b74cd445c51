import { execFile } from 'node:child_process';
import { childEnvironment, inheritedEnvironment } from '../executors/child-env';
import { InfraError } from '../types';

/** git's fixed settings, over the allowlisted environment local commands get (never the server's settings). */
const GIT_ENV = { LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs the real `git` binary with an argument array (never a shell string).
 * LC_ALL=C keeps messages in one language; prompts are disabled. Its environment
 * is the allowlisted one of local commands (child-env.ts), plus `extraEnv`
 * (which cannot override git's fixed settings).
 */
export function runGit(cwd: string, args: string[], input?: string, extraEnv?: Readonly<Record<string, string>>): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        maxBuffer: 256 * 1024 * 1024,
        env: childEnvironment(inheritedEnvironment(), { ...extraEnv, ...GIT_ENV }),
      },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          reject(new InfraError(`cannot run git: ${error.message}`, { cause: error }));
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like runGit but a non-zero exit is an error carrying git's own message. */
export async function gitOk(cwd: string, args: string[]): Promise<string> {
  const r = await runGit(cwd, args);
  if (r.code !== 0) {
    throw new GitError(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`, r);
  }
  return r.stdout;
}

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    message: string,
    readonly result: GitResult,
  ) {
    super(message);
  }
}
