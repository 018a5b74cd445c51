import { execFile, spawn, type ChildProcess } from 'node:child_process';
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
 *
 * git is started by a small helper process (see spawner below), not by this
 * one: forking the server (≈ 1 GB resident: Next.js, the embedded database)
 * costs ≈ 60 ms per process here against ≈ 3 ms from a small one, and a
 * bisect starts a git process per step.
 */
export function runGit(cwd: string, args: string[], input?: string, extraEnv?: Readonly<Record<string, string>>): Promise<GitResult> {
  const env = childEnvironment(inheritedEnvironment(), { ...extraEnv, ...GIT_ENV });
  // The helper was started earlier: git gets this process's umask as it is now (DATA_DIR sets 077).
  return spawner.run({ cwd, args, env, input, umask: process.umask() }).then((r) => {
    if (r.errorCode !== null) throw new InfraError(`cannot run git: ${r.errorMessage}`);
    return { stdout: r.stdout, stderr: r.stderr, code: r.code };
  });
}

interface SpawnRequest {
  cwd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  input: string | undefined;
  /** The umask git runs under (the helper's own was fixed when it started). */
  umask: number;
}

interface SpawnReply {
  id: number;
  stdout: string;
  stderr: string;
  code: number;
  /** Set when git could not be run at all (ENOENT, output over maxBuffer, …). */
  errorCode: string | null;
  errorMessage: string;
}

const MAX_BUFFER = 256 * 1024 * 1024;

/** What the helper runs: execFile per request, the answer back over IPC; it exits with its parent. */
const HELPER_SOURCE = `
const { execFile } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  process.umask(m.umask);
  const child = execFile('git', m.args, { cwd: m.cwd, env: m.env, maxBuffer: ${MAX_BUFFER} }, (error, stdout, stderr) => {
    const failed = error && typeof error.code === 'string';
    const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
    process.send({ id: m.id, stdout, stderr, code, errorCode: failed ? error.code : null, errorMessage: failed ? error.message : '' });
  });
  if (m.input !== undefined) child.stdin.end(m.input);
});
`;

/** One helper process per server process, started on first use; git runs directly if it cannot be. */
class Spawner {
  private helper: ChildProcess | null = null;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, { req: SpawnRequest; resolve: (r: SpawnReply) => void }>();

  run(req: SpawnRequest): Promise<SpawnReply> {
    const helper = this.ensure();
    if (!helper) return direct(req);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { req, resolve });
      if (this.pending.size === 1) helper.channel?.ref();
      const fallBack = () => this.answer(id, null);
      try {
        helper.send({ id, ...req }, (error) => error && fallBack());
      } catch {
        fallBack();
      }
    });
  }

  /** Answers a request with the helper's reply, or (null: the helper will not answer) by running git directly. */
  private answer(id: number, reply: SpawnReply | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.helper?.channel?.unref();
    if (reply) p.resolve(reply);
    else void direct(p.req).then(p.resolve);
  }

  private ensure(): ChildProcess | null {
    if (this.broken) return null;
    if (this.helper) return this.helper;
    try {
      const helper = spawn(process.execPath, ['-e', HELPER_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: childEnvironment({}) });
      helper.on('message', (m: SpawnReply) => this.answer(m.id, m));
      const lost = () => {
        if (this.helper !== helper) return;
        this.helper = null;
        this.broken = true; // from now on directly, and what was in flight is run again directly
        for (const id of [...this.pending.keys()]) this.answer(id, null);
      };
      helper.on('error', lost);
      helper.on('exit', lost);
      helper.on('disconnect', lost);
      helper.unref();
      helper.channel?.unref();
      this.helper = helper;
      return helper;
    } catch {
      this.broken = true;
      return null;
    }
  }
}

function direct(req: SpawnRequest): Promise<SpawnReply> {
  return new Promise((resolve) => {
    const child = execFile('git', req.args, { cwd: req.cwd, env: req.env, maxBuffer: MAX_BUFFER }, (error, stdout, stderr) => {
      const failed = error && typeof (error as NodeJS.ErrnoException).code === 'string';
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ id: 0, stdout, stderr, code, errorCode: failed ? String(error.code) : null, errorMessage: failed ? error.message : '' });
    });
    if (req.input !== undefined) child.stdin?.end(req.input);
  });
}

const spawner = new Spawner();

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
