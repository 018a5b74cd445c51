import { UserInputError } from '../types';
import { quoteArgv, quotePosix } from './shell-quote';

/**
 * The command line sent to the remote login shell (which must be POSIX: sh,
 * dash, bash, zsh, ksh; not csh/fish). No pty is used.
 *
 * The wrapper first reports the shell's process group and session on stderr as
 * one marker line, then reads the environment from the channel's stdin, `cd`s
 * and `exec`s the command, so the command keeps that process group. sshd makes
 * each session's shell a session and group leader, so killing the group (and
 * the session) kills everything the command started, unless a process
 * deliberately moved itself to a new session.
 *
 *   set -- $(ps -o pgid= -o sid= -p $$)        # fallback: /proc/$$/stat fields 5, 6
 *   printf '%s %s %s\n' '@@bisect-pgid-NONCE@@' PGID SID >&2
 *   __bisect_env=$(dd bs=1 count=N 2>/dev/null) && eval "$__bisect_env" && [ "$__bisect_env_ok" = 1 ] ||
 *     { printf '%s\n' '@@bisect-env-NONCE@@' >&2; exit 125; }
 *   cd -- 'DIR' || { printf '%s\n' '@@bisect-cwd-NONCE@@' >&2; exit 126; }
 *   exec 'argv0' 'argv1' ... </dev/null         # the command's stdin is empty
 *
 * The environment travels as the first N bytes of stdin (`export K='V'` lines,
 * see `stdin`), never on the command line: sshd runs the wrapper as
 * `shell -c WRAPPER`, which any user of the host can read with `ps` while it
 * runs, and environment values include the recipe's secrets.
 *
 * The nonce is random per run so the command's own output cannot forge markers.
 */

export interface RemoteCommandSpec {
  argv: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface ProcessGroupInfo {
  pgid: number;
  sid: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names POSIX shells, bash or zsh refuse to assign (an `export` of them fails or kills the shell). */
const SHELL_READ_ONLY = new Set(['UID', 'EUID', 'PPID', 'SHELLOPTS', 'BASHOPTS', 'BASH_VERSINFO', 'BASHPID', 'GROUPS', 'status', 'pipestatus', 'ZSH_SUBSHELL']);

/** Why `name` cannot be passed to a remote command's environment, or null if it can. */
export function remoteEnvNameProblem(name: string): string | null {
  if (name.startsWith('__bisect_')) return `environment variable names starting with __bisect_ are reserved ("${name}")`;
  if (SHELL_READ_ONLY.has(name)) return `environment variable "${name}" cannot be set for a command on a host: the remote shell treats it as read-only`;
  return null;
}

export function pgidMarker(nonce: string): string {
  return `@@bisect-pgid-${nonce}@@`;
}

export function cwdFailedMarker(nonce: string): string {
  return `@@bisect-cwd-${nonce}@@`;
}

export interface RemoteCommand {
  /** The command line for the remote shell: holds no environment value. */
  script: string;
  /** Write this to the channel's stdin, then end it: the wrapper reads the environment from it. */
  stdin: string;
}

export function envFailedMarker(nonce: string): string {
  return `@@bisect-env-${nonce}@@`;
}

/** Builds the remote command. Throws UserInputError for argv/env that cannot be passed safely. */
export function buildRemoteCommand(spec: RemoteCommandSpec, nonce: string): RemoteCommand {
  if (!/^[A-Za-z0-9]+$/.test(nonce)) throw new Error('nonce must be alphanumeric');
  if (spec.argv.length === 0 || spec.argv[0] === '') throw new UserInputError('the command is empty', 'argv');
  const envEntries = Object.entries(spec.env ?? {});
  for (const [name] of envEntries) {
    if (!ENV_NAME.test(name)) throw new UserInputError(`invalid environment variable name "${name}"`, 'env');
    const problem = remoteEnvNameProblem(name);
    if (problem) throw new UserInputError(problem, 'env');
  }
  const lines = [
    'set -- $(ps -o pgid= -o sid= -p $$ 2>/dev/null)',
    `[ -n "$2" ] || set -- $(cut -d' ' -f5,6 /proc/$$/stat 2>/dev/null)`,
    `printf '%s %s %s\\n' ${quotePosix(pgidMarker(nonce))} "\${1:-$$}" "\${2:-$$}" >&2`,
  ];
  // The last line proves the whole block arrived (a cut connection leaves a prefix that may still parse).
  const failed = `{ printf '%s\\n' ${quotePosix(envFailedMarker(nonce))} >&2; exit 125; }`;
  // Each export must succeed (a shell may refuse a name); the last line proves the whole block arrived.
  const stdin =
    envEntries.length === 0 ? '' : envEntries.map(([k, v]) => `export ${k}=${quotePosix(v)} || ${failed}\n`).join('') + '__bisect_env_ok=1\n';
  if (stdin !== '') {
    const bytes = Buffer.byteLength(stdin, 'utf8');
    lines.push(
      `__bisect_env=$(dd bs=1 count=${bytes} 2>/dev/null) && eval "$__bisect_env" && [ "$__bisect_env_ok" = 1 ] || ${failed}`,
      'unset __bisect_env __bisect_env_ok',
    );
  }
  if (spec.cwd !== undefined) {
    lines.push(`cd -- ${quotePosix(spec.cwd)} || { printf '%s\\n' ${quotePosix(cwdFailedMarker(nonce))} >&2; exit 126; }`);
  }
  lines.push(`exec ${quoteArgv(spec.argv)} </dev/null`);
  return { script: lines.join('\n'), stdin };
}

/** Parses the marker line; null if `line` is not it. Rejects ids ≤ 1 (never kill init or "my own group"). */
export function parseProcessGroupLine(line: string, nonce: string): ProcessGroupInfo | null {
  const prefix = pgidMarker(nonce) + ' ';
  if (!line.startsWith(prefix)) return null;
  const m = /^(\d+) (\d+)$/.exec(line.slice(prefix.length).trim());
  if (!m) return null;
  const pgid = Number(m[1]);
  const sid = Number(m[2]);
  if (!Number.isSafeInteger(pgid) || !Number.isSafeInteger(sid) || pgid <= 1 || sid <= 1) return null;
  return { pgid, sid };
}

/**
 * Command that SIGKILLs a remote command's process group and, when the group
 * is also its own session (the usual sshd case), every process of that session
 * (catches children that changed process group). Always exits 0.
 */
export function buildKillCommand(info: ProcessGroupInfo): string {
  if (info.pgid <= 1 || info.sid <= 1) throw new Error('refusing to kill process group ≤ 1');
  const killGroup = `kill -s KILL -- -${info.pgid} 2>/dev/null`;
  const killSession = info.sid === info.pgid ? `; pkill -KILL -s ${info.sid} 2>/dev/null` : '';
  return `${killGroup}${killSession}; exit 0`;
}

/**
 * Command that SIGKILLs process group `pgid` only if its leader still carries
 * `BISECT_SESSION=sessionId` in its environment (a rebooted host may have
 * reused the pid), and then prints `reaped`. Always exits 0. Throws for a
 * pgid ≤ 1 or a session id that is not [0-9a-zA-Z-]+: both go into the script.
 */
export function buildReapCommand(pgid: number, sessionId: string): string {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error('refusing to reap process group ≤ 1');
  if (!/^[0-9a-zA-Z-]+$/.test(sessionId)) throw new Error('session ids are [0-9a-zA-Z-]+');
  return (
    `if tr '\\0' '\\n' < /proc/${pgid}/environ 2>/dev/null | grep -qx 'BISECT_SESSION=${sessionId}'; ` +
    `then kill -s KILL -- -${pgid} 2>/dev/null; echo reaped; fi; exit 0`
  );
}
