import { createHash } from 'node:crypto';

/**
 * What a share link may show. Credentials and key paths never leave the
 * server; with `hideHosts` host names and addresses are replaced too. Pure
 * functions: the share service and the share routes apply them to rows,
 * events and log lines.
 */

export interface RedactOptions {
  hideHosts: boolean;
  /** Host names to hide (phase `on` values, names from a hosts registry); `local` is never hidden. */
  hostNames: string[];
  /** Addresses or DNS names of those hosts, hidden as `<address>`. */
  hostAddresses?: string[];
  /** Key files the server knows of (the hosts registry's identity files): always replaced by `<key path>`. */
  keyPaths?: string[];
}

export interface Redactor {
  readonly hideHosts: boolean;
  /** Identifies what this redactor does (its options): equal keys redact equally, so results can be cached under it. */
  readonly key: string;
  /** A phase's `on`: the alias (`host-1`, …) when hosts are hidden. */
  host(on: string): string;
  /** Any free text: log lines, reasons, errors, scripts. Linear in the length of `s`, which is cut at MAX_REDACTED_CHARS. */
  text(s: string): string;
}

const KEY_PATH = '<key path>';
const REDACTED = '<redacted>';
const ADDRESS = '<address>';

/**
 * The longest string `text` redacts; anything longer is cut (at whitespace, so
 * a half token is never shown) and says so. Log lines are at most 64 KiB.
 */
export const MAX_REDACTED_CHARS = 128 * 1024;
/** At most this many known key paths are matched literally (a hosts registry is small). */
const MAX_KEY_PATHS = 256;

/*
 * Every pattern below runs in time linear in its input, whatever the input:
 * each unbounded repetition either starts only where a run of its characters
 * starts (a lookbehind refuses every other position in O(1)) or starts at a
 * literal anchor (`://`, a keyword). No pattern has two adjacent repetitions
 * that can trade characters (`\s*[=:]?\s*`). `redact.test.ts` checks 1 MB of
 * adversarial lines against a time budget.
 */
const KEY_EXT = '(?:pem|ppk|p12|pfx)';
const ID_FILE = 'id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?(?:-cert)?(?:\\.pub)?\\b';
const KEYWORD = '(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key)';

type Replacement = string | ((match: string, ...groups: string[]) => string);

/** A redaction: `re` replaced by `by`, tried only when the text contains `anchor` (a cheap first test). */
interface Rule {
  anchor: string | RegExp;
  re: RegExp;
  by: Replacement;
}

// Order matters: private key blocks before anything that could cut them.
const ALWAYS: Rule[] = [
  {
    anchor: 'PRIVATE KEY-----',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    by: '<private key>',
  },
  // URL credentials: scheme://user:password@host (anchored on `://`)
  { anchor: '://', re: /(:\/\/[^\s/:@]+):[^\s/@]+@/g, by: `$1:${REDACTED}@` },
  // password=…, passphrase: …, token=…, API_KEY=…, db-secret=…: the name starts where its run of [\w-] starts
  {
    anchor: new RegExp(KEYWORD, 'i'),
    re: new RegExp(`(?<![\\w-])((?:[\\w-]*[_-])?${KEYWORD})(\\s*[=:]\\s*)(["']?)[^\\s"';,&|]+\\3`, 'gi'),
    by: `$1$2$3${REDACTED}$3`,
  },
  // paths into an .ssh directory: from the first `/` (or `~`, `$HOME`) of the word, which is kept up to there
  {
    anchor: '/.ssh/',
    re: /(?<![^\s'"=:])([^\s'"=:/]*?)(?:~|\$HOME|\$\{HOME\})?\/(?:[^\s'"=:]*\/)?\.ssh\/[^\s'"]+/g,
    by: (_m: string, head?: string) => `${head ?? ''}${KEY_PATH}`,
  },
  // key files anywhere, with the directory they are in
  { anchor: 'id_', re: new RegExp(`(?<![~\\w.$/-])[~\\w.$/-]*\\/${ID_FILE}|\\b${ID_FILE}`, 'g'), by: KEY_PATH },
  {
    anchor: new RegExp(`\\.${KEY_EXT}`),
    re: new RegExp(`(?<![~\\w.$/-])[~\\w.$/-]*\\/[\\w.-]+\\.${KEY_EXT}\\b|(?<![\\w.-])[\\w.-]+\\.${KEY_EXT}\\b`, 'g'),
    by: KEY_PATH,
  },
  // IdentityFile settings, and "identity file /path" in messages
  {
    anchor: /IdentityFile|identityFile|keyPath|privateKey/,
    re: /\b(IdentityFile|identityFile|keyPath|privateKey(?:Path)?)(\s*(?:[=:]\s*)?)(["']?)[^\s"'<][^\s"']*\3/g,
    by: `$1$2${KEY_PATH}`,
  },
  {
    anchor: /identity[ _-]?file/i,
    re: /\b(identity[ _-]?files?)(\s*(?:[=:]\s*)?)(["']?)(?=[~/$.])[^\s"'<](?:[^\s"']*[^\s"':,;])?\3/gi,
    by: `$1$2${KEY_PATH}`,
  },
];

function applyRule(s: string, r: Rule): string {
  if (typeof r.anchor === 'string' ? !s.includes(r.anchor) : !r.anchor.test(s)) return s;
  return typeof r.by === 'string' ? s.replace(r.re, r.by) : s.replace(r.re, r.by);
}

/** ssh/scp/sftp `-i <file>`: the `-i` arguments after the command's name in the same command (up to `|`, `;`, `&`). */
const SSH_COMMAND = /\b(?:ssh|scp|sftp)\b/;
const DASH_I = /(\s-i\s*)(["']?)[^\s"'<][^\s"']*\2/g;
const COMMAND_SEPARATOR = /([\n|;&])/;

function redactSshIdentity(s: string): string {
  if (!s.includes('-i') || !SSH_COMMAND.test(s)) return s;
  return s
    .split(COMMAND_SEPARATOR)
    .map((part) => {
      const at = part.search(SSH_COMMAND);
      return at < 0 ? part : part.slice(0, at) + part.slice(at).replace(DASH_I, `$1${KEY_PATH}`);
    })
    .join('');
}

const IPV4 = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)/g;
// Full 8-group form and compressed forms with `::` (at least one hex group on a side).
const IPV6 = /(?<![\w:.])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}|(?:[0-9a-f]{1,4}:){1,7}:|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})(?:%\w+)?(?![\w:])/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `s` cut to MAX_REDACTED_CHARS: the cut goes back to the last whitespace, so
 * no token (a secret, a path) is shown in part, and a note says how much went.
 */
export function capForRedaction(s: string): string {
  if (s.length <= MAX_REDACTED_CHARS) return s;
  let end = MAX_REDACTED_CHARS;
  while (end > 0 && !/\s/.test(s.charAt(end))) end--;
  return `${s.slice(0, end).trimEnd()} … [${s.length - end} characters not shown]`.trimStart();
}

/** Literal paths as one pattern (longest first), matched where a path can start and end. */
function literalPathPattern(paths: string[]): RegExp | null {
  const unique = [...new Set(paths.filter((p) => p.length >= 2))].slice(0, MAX_KEY_PATHS).sort((a, b) => b.length - a.length);
  return unique.length ? new RegExp(`(?<![\\w.~$/-])(?:${unique.map(escapeRegExp).join('|')})(?![\\w-])`, 'g') : null;
}

/** Credentials and key paths, whatever the share asks: the redactions every text gets. */
function redactAlways(s: string, keyPaths: RegExp | null): string {
  let out = keyPaths ? s.replace(keyPaths, KEY_PATH) : s;
  for (const rule of ALWAYS) out = applyRule(out, rule);
  return redactSshIdentity(out);
}

function redactorKey(o: RedactOptions): string {
  const sorted = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();
  // Host names keep their order: it decides the aliases.
  const options = JSON.stringify([o.hideHosts, o.hostNames, sorted(o.hostAddresses), sorted(o.keyPaths)]);
  return createHash('sha256').update(options).digest('base64url');
}

export function makeRedactor(o: RedactOptions): Redactor {
  const names = [...new Set(o.hostNames.filter((n) => n && n !== 'local'))];
  const alias = new Map(names.map((n, i) => [n, `host-${i + 1}`]));
  const addresses = [...new Set((o.hostAddresses ?? []).filter((a) => a && !alias.has(a)))];
  const keyPaths = literalPathPattern(o.keyPaths ?? []);
  // Longest first, so `build.example.com` goes before `build`.
  const hostPattern = o.hideHosts && names.length + addresses.length > 0
    ? new RegExp(
        `(?<![\\w.-])(${[...names, ...addresses].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![\\w-]|\\.\\w)`,
        'g',
      )
    : null;
  const text = (s: string): string => {
    const out = redactAlways(capForRedaction(s), keyPaths);
    if (!o.hideHosts) return out;
    const named = hostPattern ? out.replace(hostPattern, (m) => alias.get(m) ?? ADDRESS) : out;
    return named.replace(IPV4, ADDRESS).replace(IPV6, (m) => (/^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(m) ? m : ADDRESS));
  };
  return {
    hideHosts: o.hideHosts,
    key: redactorKey(o),
    host: (on: string) => (o.hideHosts ? (alias.get(on) ?? text(on)) : on),
    text,
  };
}

/** Keys whose values are credentials or key material: dropped from shared recipes. */
const SECRET_KEY = /(password|passwd|passphrase|secret|token|credential|private[_-]?key|identity(file)?|key[_-]?(path|file)|api[_-]?key|access[_-]?key)/i;
/** Keys whose string values name hosts (phase `on`, and the address fields of host-using phases). */
const HOST_KEY = /^(on|host|hosts|hostname|address|addr|ip)$/i;

/**
 * Copies a JSON value for a shared page: drops credential-looking keys, hides
 * host-valued keys behind aliases and runs every other string through `text`.
 * Commit objects (sha/subject/author…) are left as they are.
 */
export function redactJson<T>(value: T, r: Redactor): T {
  return walk(value, r, null) as T;
}

function walk(v: unknown, r: Redactor, key: string | null): unknown {
  if (typeof v === 'string') {
    if (key !== null && HOST_KEY.test(key)) return r.host(v);
    return r.text(v);
  }
  if (Array.isArray(v)) return v.map((x) => walk(x, r, key));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (SECRET_KEY.test(k)) continue;
      out[k] = k === 'commit' || k === 'commits' || k === 'sha' ? x : walk(x, r, k);
    }
    return out;
  }
  return v;
}

/** Host names a recipe mentions: phase `on` values and host-valued fields, recursively. */
export function hostNamesInRecipe(recipe: unknown): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, key: string | null): void => {
    if (typeof v === 'string') {
      if (key !== null && HOST_KEY.test(key) && v !== 'local') out.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(recipe, null);
  return [...out];
}
