import os from 'node:os';
import path from 'node:path';
import { configStamp, type ConfigRoot } from './config-stamp';
import { FileReadError, ParsedFileCache } from './files';
import { resolveWithOpenSsh } from './openssh-config';
import { resolveSshConfigText, safeLocalUser, type ResolvedSshConfig } from './ssh-config-text';

export type { ResolvedSshConfig } from './ssh-config-text';
export type { JumpHost } from './proxy-jump';

/**
 * Resolving a host alias through the ssh client config: OpenSSH itself
 * (`ssh -G`, see openssh-config.ts) answers, so Include, Match and everything
 * else mean what they mean to the user's `ssh`; the hand parser
 * (ssh-config-text.ts) answers only when no ssh client is installed.
 *
 * Answers are cached per (config file, alias) under a stamp of every file the
 * config is made of (config-stamp.ts: the main file, what its Includes name,
 * the directories their globs read): an edit anywhere, or a file added to
 * `config.d/`, is seen at the next lookup, while an unchanged config costs a
 * few `stat`s, not a process (wait-for-ssh looks up every second). What a
 * stamp cannot see is bounded by a short lifetime: Include globs with
 * wildcards in a directory part, and `Match exec`/`Match localnetwork`
 * conditions, whose outcome may change with no file changing.
 */

export interface ResolveOptions {
  /** Defaults to `~/.ssh/config` (and, through OpenSSH, /etc/ssh/ssh_config). A missing file resolves to no options. */
  configPath?: string;
  homeDir?: string;
  localUser?: string;
  /** The OpenSSH client to ask (default `ssh`); a missing one means the hand parser. */
  sshBinary?: string;
}

/** How long an answer is kept when the stamp cannot see every input (see above). */
const INEXACT_TTL_MS = 2_000;
/** How long any answer is kept at most: bounds what `Match exec` could change behind the files' back. */
const MAX_TTL_MS = 60_000;
const MAX_ENTRIES = 256;

const SYSTEM_CONFIG: ConfigRoot = { file: '/etc/ssh/ssh_config', includeBase: '/etc/ssh' };

export function defaultSshConfigPath(homeDir = os.homedir()): string {
  return path.join(homeDir, '.ssh', 'config');
}

interface CachedAnswer {
  stamp: string;
  expires: number;
  answer: Promise<ResolvedSshConfig>;
}

const answers = new Map<string, CachedAnswer>();

/** Config file texts for the hand parser, re-read only when the file changes. */
const configTexts = new ParsedFileCache<string>((text) => text, '');

/**
 * Resolves `alias`. Config files are read asynchronously and must be regular
 * files of at most 4 MiB (a FIFO or a device is refused, naming the file); a
 * missing file means no options. Other problems throw, saying what is wrong.
 */
export async function resolveSshConfig(alias: string, options: ResolveOptions = {}): Promise<ResolvedSshConfig> {
  const homeDir = options.homeDir ?? os.homedir();
  const localUser = options.localUser ?? safeLocalUser();
  const file = options.configPath ?? defaultSshConfigPath(homeDir);
  const roots: ConfigRoot[] = [{ file, includeBase: path.join(homeDir, '.ssh') }];
  if (options.configPath === undefined) roots.push(SYSTEM_CONFIG);
  const { stamp, exact } = await withFileErrors(file, () => configStamp(roots, homeDir));
  if (options.configPath !== undefined && stamp.startsWith(`${file}:missing`)) return { alias, hostName: alias, identityFiles: [] };

  const key = `${options.configPath ?? ''}\0${options.sshBinary ?? ''}\0${homeDir}\0${alias}`;
  const now = Date.now();
  const hit = answers.get(key);
  if (hit && hit.stamp === stamp && hit.expires > now) return hit.answer;
  const answer = lookUp(alias, file, { ...options, homeDir, localUser });
  answers.delete(key);
  if (answers.size >= MAX_ENTRIES) answers.delete(answers.keys().next().value as string);
  answers.set(key, { stamp, expires: now + (exact ? MAX_TTL_MS : INEXACT_TTL_MS), answer });
  answer.catch(() => answers.get(key)?.answer === answer && answers.delete(key)); // failures are not cached
  return answer;
}

async function lookUp(alias: string, file: string, o: ResolveOptions & { homeDir: string; localUser: string }): Promise<ResolvedSshConfig> {
  const viaOpenSsh = await resolveWithOpenSsh(alias, {
    homeDir: o.homeDir,
    localUser: o.localUser,
    ...(o.configPath !== undefined ? { configPath: o.configPath } : {}),
    ...(o.sshBinary !== undefined ? { sshBinary: o.sshBinary } : {}),
  });
  if (viaOpenSsh) return viaOpenSsh;
  const text = await withFileErrors(file, () => configTexts.get(file));
  return resolveSshConfigText(text, alias, o);
}

async function withFileErrors<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const where = err.file === file ? file : `${file} (through Include ${err.file})`;
    throw new Error(`cannot read ssh config ${where}: ${err.detail}`, { cause: err });
  }
}
