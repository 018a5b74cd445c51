import os from 'node:os';
import path from 'node:path';
import { matchPatternList } from './patterns';
import { parseProxyJump, type JumpHost } from './proxy-jump';

/**
 * The hand parser of OpenSSH client config (`~/.ssh/config`): used only when
 * no `ssh` client is installed (see ssh-config.ts, which asks `ssh -G`).
 *
 * Supported: `Host` blocks with several patterns, wildcards `*`/`?` and
 * negation `!pat`; options before the first `Host` apply to every host;
 * `Keyword value` and `Keyword=value`; double-quoted arguments; the first value
 * obtained for an option wins (IdentityFile accumulates, in order).
 * Options read: HostName (`%h` = the alias, `%%`), User, Port, IdentityFile
 * (`~`, `%d` home, `%u` local user, `%h` host name, `%r` remote user, `%%`;
 * `none` ignored), ProxyJump (`[user@]host[:port]`, `ssh://` form, comma list,
 * `none`).
 *
 * Not supported, on purpose: `Include` (ignored) and `Match` blocks (their
 * options are skipped entirely, never applied). Other keywords are ignored.
 */

/** What a host alias resolves to, by OpenSSH or by the hand parser. */
export interface ResolvedSshConfig {
  /** The name that was looked up. */
  alias: string;
  /** HostName, or the alias when none is configured. */
  hostName: string;
  user?: string;
  port?: number;
  /** Configured IdentityFiles, expanded; [] when none is (the caller picks the default keys). */
  identityFiles: string[];
  /** undefined: not configured; []: explicitly `none`. */
  proxyJump?: JumpHost[];
}

export interface TextResolveOptions {
  homeDir?: string;
  localUser?: string;
}

/** Resolves `alias` against config text (see the module comment for what is supported). */
export function resolveSshConfigText(text: string, alias: string, options: TextResolveOptions = {}): ResolvedSshConfig {
  const homeDir = options.homeDir ?? os.homedir();
  const localUser = options.localUser ?? safeLocalUser();
  let applies = true; // options before the first Host/Match apply to all hosts
  let hostName: string | undefined;
  let user: string | undefined;
  let port: number | undefined;
  let proxyJump: JumpHost[] | undefined;
  const identityFiles: string[] = [];

  for (const rawLine of text.split('\n')) {
    const parsed = splitConfigLine(rawLine);
    if (!parsed) continue;
    const { keyword, args } = parsed;
    if (keyword === 'host') {
      applies = matchPatternList(alias, args);
      continue;
    }
    if (keyword === 'match') {
      applies = false; // unsupported: never apply Match blocks
      continue;
    }
    if (!applies || args.length === 0) continue;
    const value = args[0] ?? '';
    switch (keyword) {
      case 'hostname':
        hostName ??= expandTokens(value, { h: alias });
        break;
      case 'user':
        user ??= value;
        break;
      case 'port':
        if (port === undefined) {
          const n = Number(value);
          if (Number.isInteger(n) && n > 0 && n < 65536) port = n;
        }
        break;
      case 'identityfile':
        if (value.toLowerCase() !== 'none') identityFiles.push(value);
        break;
      case 'proxyjump':
        proxyJump ??= parseProxyJump(value);
        break;
      default:
        break; // Include and everything else: ignored
    }
  }

  const finalHost = hostName ?? alias;
  const remoteUser = user ?? localUser;
  const expanded = identityFiles.map((f) =>
    expandPath(expandTokens(f, { h: finalHost, r: remoteUser, u: localUser, d: homeDir }), homeDir),
  );
  const result: ResolvedSshConfig = { alias, hostName: finalHost, identityFiles: [...new Set(expanded)] };
  if (user !== undefined) result.user = user;
  if (port !== undefined) result.port = port;
  if (proxyJump !== undefined) result.proxyJump = proxyJump;
  return result;
}

/** Splits a config line into a lower-cased keyword and its arguments; null for blanks/comments. */
export function splitConfigLine(rawLine: string): { keyword: string; args: string[] } | null {
  const line = rawLine.trim();
  if (line === '' || line.startsWith('#')) return null;
  const m = /^([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/.exec(line);
  if (!m) return null;
  return { keyword: (m[1] ?? '').toLowerCase(), args: tokenize(m[2] ?? '') };
}

function tokenize(text: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const token = m[1] ?? m[2] ?? '';
    if (m[2]?.startsWith('#')) break; // trailing comment
    args.push(token);
  }
  return args;
}

export function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, ch: string) => (ch === '%' ? '%' : (tokens[ch] ?? whole)));
}

export function expandPath(value: string, homeDir: string): string {
  if (value === '~') return homeDir;
  if (value.startsWith('~/')) return path.join(homeDir, value.slice(2));
  return value;
}

/** This process's user name (from the passwd entry; `root` when the uid has none, as in bare containers). */
export function safeLocalUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
}

