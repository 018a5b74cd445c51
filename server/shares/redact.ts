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
}

export interface Redactor {
  readonly hideHosts: boolean;
  /** A phase's `on`: the alias (`host-1`, …) when hosts are hidden. */
  host(on: string): string;
  /** Any free text: log lines, reasons, errors, scripts. */
  text(s: string): string;
}

const KEY_PATH = '<key path>';
const REDACTED = '<redacted>';
const ADDRESS = '<address>';

// Order matters: private key blocks before anything that could cut them.
const ALWAYS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '<private key>'],
  // URL credentials: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+):[^\s/@]+@/gi, `$1:${REDACTED}@`],
  // password=…, passphrase: …, token=…, api_key=…, secret=…
  [/\b((?:[\w-]*[_-])?(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key))(\s*[=:]\s*)(["']?)[^\s"';,&|]+\3/gi, `$1$2$3${REDACTED}$3`],
  // paths into an .ssh directory, and key files anywhere
  [/(?:~|\$HOME|\$\{HOME\}|\/[^\s'"=:]*)?\/\.ssh\/[^\s'"]+/g, KEY_PATH],
  [/(?:[~\w.$/-]*\/)?\bid_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?(?:-cert)?(?:\.pub)?\b/g, KEY_PATH],
  [/(?:[~\w.$/-]*\/)?[\w.-]+\.(?:pem|ppk|p12|pfx)\b/g, KEY_PATH],
  // ssh/scp/sftp `-i <file>` and IdentityFile settings
  [/\b((?:ssh|scp|sftp)\b[^\n|;&]*?\s-i\s*)(["']?)[^\s"'<][^\s"']*\2/g, `$1${KEY_PATH}`],
  [/\b(IdentityFile|identityFile|keyPath|privateKey(?:Path)?)(\s*[=:]?\s*)(["']?)[^\s"'<][^\s"']*\3/g, `$1$2${KEY_PATH}`],
];

const IPV4 = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)/g;
// Full 8-group form and compressed forms with `::` (at least one hex group on a side).
const IPV6 = /(?<![\w:.])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}|(?:[0-9a-f]{1,4}:){1,7}:|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})(?:%\w+)?(?![\w:])/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function makeRedactor(o: RedactOptions): Redactor {
  const names = [...new Set(o.hostNames.filter((n) => n && n !== 'local'))];
  const alias = new Map(names.map((n, i) => [n, `host-${i + 1}`]));
  const addresses = [...new Set((o.hostAddresses ?? []).filter((a) => a && !alias.has(a)))];
  // Longest first, so `build.example.com` goes before `build`.
  const hostPattern = o.hideHosts && names.length + addresses.length > 0
    ? new RegExp(
        `(?<![\\w.-])(${[...names, ...addresses].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![\\w-]|\\.\\w)`,
        'g',
      )
    : null;
  const text = (s: string): string => {
    let out = s;
    for (const [re, by] of ALWAYS) out = out.replace(re, by);
    if (!o.hideHosts) return out;
    if (hostPattern) out = out.replace(hostPattern, (m) => alias.get(m) ?? ADDRESS);
    return out.replace(IPV4, ADDRESS).replace(IPV6, (m) => (/^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(m) ? m : ADDRESS));
  };
  return {
    hideHosts: o.hideHosts,
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
