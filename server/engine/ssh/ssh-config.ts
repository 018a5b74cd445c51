import os from 'node:os';
import path from 'node:path';
import { FileReadError, ParsedFileCache } from './files';
import { matchPatternList } from './patterns';

/**
 * A subset of OpenSSH client config (`~/.ssh/config`) resolution.
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

export interface JumpHost {
  host: string;
  port?: number;
  user?: string;
}

export interface ResolvedSshConfig {
  /** The name that was looked up. */
  alias: string;
  /** HostName, or the alias when none is configured. */
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  /** undefined: not configured; []: explicitly `none`. */
  proxyJump?: JumpHost[];
}

export interface ResolveOptions {
  /** Defaults to `~/.ssh/config`. A missing file resolves to no options. */
  configPath?: string;
  homeDir?: string;
  localUser?: string;
}

export function defaultSshConfigPath(homeDir = os.homedir()): string {
  return path.join(homeDir, '.ssh', 'config');
}

/** Config file texts, re-read only when a file changes (every connection resolves its alias). */
const configCache = new ParsedFileCache<string>((text) => text, '');

/**
 * Reads the config file (asynchronously; a regular file of at most 4 MiB) and
 * resolves `alias`. A missing file is empty; other read errors throw.
 */
export async function resolveSshConfig(alias: string, options: ResolveOptions = {}): Promise<ResolvedSshConfig> {
  const homeDir = options.homeDir ?? os.homedir();
  const file = options.configPath ?? defaultSshConfigPath(homeDir);
  let text: string;
  try {
    text = await configCache.get(file);
  } catch (err) {
    const why = err instanceof FileReadError ? err.detail : (err as Error).message;
    throw new Error(`cannot read ssh config ${file}: ${why}`, { cause: err });
  }
  return resolveSshConfigText(text, alias, { ...options, homeDir });
}

/** Resolves `alias` against config text (see the module comment for what is supported). */
export function resolveSshConfigText(text: string, alias: string, options: ResolveOptions = {}): ResolvedSshConfig {
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

function expandTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, ch: string) => (ch === '%' ? '%' : (tokens[ch] ?? whole)));
}

function expandPath(value: string, homeDir: string): string {
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

/**
 * Parses a ProxyJump value: comma-separated `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`; IPv6 hosts in brackets (`[::1]:2222`). `none` → [].
 * Throws on a malformed entry.
 */
export function parseProxyJump(value: string): JumpHost[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((part) => parseJumpHost(part.trim()));
}

function parseJumpHost(spec: string): JumpHost {
  let rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  const jump: JumpHost = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    jump.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    jump.host = bracket[1] ?? '';
    portText = bracket[2];
  } else {
    const colon = rest.indexOf(':');
    if (colon !== -1 && rest.indexOf(':', colon + 1) === -1) {
      jump.host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else {
      jump.host = rest;
    }
  }
  if (portText !== undefined) {
    const n = Number(portText);
    if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new Error(`bad port in ProxyJump entry "${spec}"`);
    jump.port = n;
  }
  if (!jump.host || (jump.user !== undefined && jump.user === '')) {
    throw new Error(`bad ProxyJump entry "${spec}"`);
  }
  return jump;
}
