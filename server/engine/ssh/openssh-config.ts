import { execFile } from 'node:child_process';
import { parseProxyJump } from './proxy-jump';
import { expandPath, expandTokens, type ResolvedSshConfig } from './ssh-config-text';

/**
 * Resolves a host alias the way the user's own `ssh` does, by asking OpenSSH:
 * `ssh -G [-F FILE] -- ALIAS` prints the options it would use (Include, Match,
 * Host and defaults all applied) as `keyword value` lines.
 *
 * `ssh` runs with execFile (an argv, never a shell), a minimal environment
 * (PATH, HOME, LC_ALL: nothing of the server's), and a timeout. It does not
 * connect. A `Match exec` line in the user's config runs its command, as the
 * user's own `ssh` would for the same alias: accepted, the config is theirs.
 */

export interface OpenSshResolveOptions {
  /** `-F FILE`; unset: OpenSSH's own files (~/.ssh/config of the passwd entry, then /etc/ssh/ssh_config). */
  configPath?: string;
  /** The ssh client (default `ssh`, looked up on /usr/local/bin:/usr/bin:/bin). */
  sshBinary?: string;
  homeDir: string;
  localUser: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const SEARCH_PATH = '/usr/local/bin:/usr/bin:/bin';

/** An alias `ssh` would take as an option, or split: never passed on. */
export function aliasProblem(alias: string): string | null {
  if (alias === '') return 'the host name is empty';
  if (alias.startsWith('-')) return `host name "${alias}" starts with "-"`;
  if (/[\s\0]/.test(alias)) return `host name "${alias}" contains white space`;
  return null;
}

/**
 * The alias resolved by `ssh -G`, or null when no ssh client is installed (the
 * caller falls back to the hand parser). Throws when ssh refuses the config or
 * the alias, with ssh's own message.
 */
export async function resolveWithOpenSsh(alias: string, o: OpenSshResolveOptions): Promise<ResolvedSshConfig | null> {
  const problem = aliasProblem(alias);
  if (problem) throw new Error(`cannot resolve ssh alias: ${problem}`);
  const argv = ['-G', ...(o.configPath !== undefined ? ['-F', o.configPath] : []), '--', alias];
  const output = await runSsh(o.sshBinary ?? 'ssh', argv, o);
  return output === null ? null : parseSshG(output, alias, o);
}

function runSsh(binary: string, argv: string[], o: OpenSshResolveOptions): Promise<string | null> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      argv,
      {
        env: { PATH: SEARCH_PATH, HOME: o.homeDir, LC_ALL: 'C' } as Record<string, string> as NodeJS.ProcessEnv,
        encoding: 'utf8',
        timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: 1 << 20,
        windowsHide: true,
      },
      (err, stdout: string, stderr: string) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(null);
        const why = err.killed ? 'timed out' : stderr.trim().split('\n').slice(-2).join('; ') || err.message;
        reject(new Error(`ssh -G ${argv.slice(1).join(' ')} failed: ${why}`, { cause: err }));
      },
    );
  });
}

/**
 * OpenSSH prints its built-in identity files when none is configured; the
 * caller has its own defaults for that case, so such a list counts as "none
 * configured". (A configured IdentityFile replaces the defaults in the output.)
 */
function isDefaultIdentityList(files: readonly string[]): boolean {
  return files.length >= 4 && files.includes('~/.ssh/id_rsa') && files.includes('~/.ssh/id_ed25519') && files.every((f) => /^~\/\.ssh\/id_[a-z0-9_]+$/.test(f));
}

/** Parses `ssh -G` output (keywords lower-case, one option a line; IdentityFile repeats, unexpanded). */
export function parseSshG(output: string, alias: string, o: Pick<OpenSshResolveOptions, 'homeDir' | 'localUser'>): ResolvedSshConfig {
  const values = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space).toLowerCase();
    const list = values.get(key) ?? [];
    list.push(line.slice(space + 1).trim());
    values.set(key, list);
  }
  const first = (key: string) => values.get(key)?.[0];
  // OpenSSH lower-cases a name it was given as is; keep the user's spelling then (pins and messages use it).
  const printed = first('hostname') ?? alias;
  const hostName = printed === alias.toLowerCase() ? alias : printed;
  const result: ResolvedSshConfig = { alias, hostName, identityFiles: [] };
  const user = first('user');
  if (user) result.user = user;
  const port = Number(first('port'));
  if (Number.isInteger(port) && port > 0 && port < 65536) result.port = port;
  const proxyJump = first('proxyjump');
  if (proxyJump !== undefined) result.proxyJump = parseProxyJump(proxyJump);
  const files = (values.get('identityfile') ?? []).filter((f) => f.toLowerCase() !== 'none');
  if (!isDefaultIdentityList(files)) {
    const tokens = { h: hostName, r: user ?? o.localUser, u: o.localUser, d: o.homeDir, n: alias, p: String(result.port ?? 22) };
    result.identityFiles = [...new Set(files.map((f) => expandPath(expandTokens(f, tokens), o.homeDir)))];
  }
  return result;
}
