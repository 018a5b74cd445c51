import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { FileReadError, ParsedFileCache } from './files';
import { matchPatternList } from './patterns';

/**
 * OpenSSH known_hosts parsing and host key checking.
 *
 * Supported: plain host lists (`a,b,[c]:2222`), wildcards `*`/`?`, negation
 * `!host`, hashed entries (`|1|base64(salt)|base64(HMAC-SHA1(salt, name))`),
 * `@revoked` (the key is refused for the hosts listed) and `@cert-authority`
 * (ignored: we check plain host keys only), comments and blank lines. Lines we
 * cannot parse are skipped, as OpenSSH does.
 *
 * The name looked up is `host` for port 22 and `[host]:port` otherwise, lower-cased.
 */

/** A key the user accepted in the app ("pinned"), checked like a known_hosts line. */
export interface PinnedKey {
  host: string;
  /** 22 when not given. */
  port: number;
  /** Key type as in known_hosts, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The key blob in base64, as in the second field of a `.pub` file. */
  keyBase64: string;
}

export type HostMatcher =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | null;
  hosts: HostMatcher;
  keyType: string;
  key: Buffer;
  /** Where the entry came from, for messages: `file:line`. */
  source: string;
}

export type HostKeyCheck =
  | { status: 'match'; fingerprint: string }
  | {
      status: 'unknown';
      fingerprint: string;
      /** Key types already known for this host (empty: the host is new). */
      knownKeyTypes: string[];
    }
  | { status: 'changed'; fingerprint: string; expectedFingerprints: string[] }
  | { status: 'revoked'; fingerprint: string };

export interface CheckHostKeyParams {
  host: string;
  port?: number;
  /** Raw SSH wire-format public key blob, as ssh2's `hostVerifier` receives it. */
  key: Buffer;
  /** Entries of the known_hosts files (`loadKnownHosts`). */
  knownHosts: readonly KnownHostEntry[];
  pinned: readonly PinnedKey[];
}

/** `SHA256:` + unpadded base64 of the key blob's SHA-256: what `ssh-keygen -lf` prints. */
export function fingerprintSha256(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type named inside a wire-format key blob (its first string). Throws if malformed. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) throw new Error('malformed SSH key blob');
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || key.length < 4 + len) throw new Error('malformed SSH key blob');
  return key.subarray(4, 4 + len).toString('latin1');
}

/** The name known_hosts stores for a host and port. */
export function knownHostsName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Parses the text of a known_hosts file. Never throws; bad lines are skipped. */
export function parseKnownHosts(text: string, sourceName = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const entry = parseLine(lines[i] ?? '', `${sourceName}:${i + 1}`);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseLine(rawLine: string, source: string): KnownHostEntry | null {
  const line = rawLine.trim();
  if (line === '' || line.startsWith('#')) return null;
  const fields = line.split(/[ \t]+/);
  let marker: KnownHostEntry['marker'] = null;
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift();
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else return null; // unknown marker: skip, never guess
  }
  const [hostField, keyType, keyB64] = fields;
  if (!hostField || !keyType || !keyB64) return null;
  const hosts = parseHostField(hostField);
  if (!hosts) return null;
  const key = decodeBase64Strict(keyB64);
  if (!key) return null;
  try {
    // The blob must name a type; for plain keys it must equal the field.
    const blobType = keyTypeOf(key);
    if (marker !== 'cert-authority' && blobType !== keyType) return null;
  } catch {
    return null;
  }
  return { marker, hosts, keyType, key, source };
}

function parseHostField(field: string): HostMatcher | null {
  if (field.startsWith('|')) {
    const parts = field.split('|'); // ['', '1', salt, hash]
    if (parts.length !== 4 || parts[1] !== '1') return null;
    const salt = decodeBase64Strict(parts[2] ?? '');
    const hash = decodeBase64Strict(parts[3] ?? '');
    if (!salt || !hash || hash.length !== 20) return null;
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').filter((p) => p !== '' && p !== '!');
  if (patterns.length === 0) return null;
  return { kind: 'patterns', patterns };
}

function decodeBase64Strict(text: string): Buffer | null {
  if (text === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : null;
}

/** Whether an entry's host field covers `host`:`port`. */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port = 22): boolean {
  const name = knownHostsName(host, port);
  if (entry.hosts.kind === 'hashed') {
    const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return digest.length === entry.hosts.hash.length && timingSafeEqual(digest, entry.hosts.hash);
  }
  return matchPatternList(name, entry.hosts.patterns);
}

const knownHostsCache = new ParsedFileCache<KnownHostEntry[]>((text, file) => parseKnownHosts(text, file), []);

/**
 * Reads and parses known_hosts files, asynchronously, each re-read only when
 * it changed (ParsedFileCache). A missing file counts as empty; anything else
 * (permissions, a directory, a FIFO, over 4 MiB, I/O) throws: we fail closed
 * rather than treat an unreadable file as "no keys known".
 */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const entries: KnownHostEntry[] = [];
  for (const file of files) {
    try {
      entries.push(...(await knownHostsCache.get(file)));
    } catch (err) {
      const why = err instanceof FileReadError ? err.detail : (err as Error).message;
      throw new Error(`cannot read known_hosts file ${file}: ${why}`, { cause: err });
    }
  }
  return entries;
}

/** Pinned keys for this host and port, as known_hosts entries. */
function pinnedEntries(pinned: readonly PinnedKey[], host: string, port: number): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const p of pinned) {
    if (p.host.toLowerCase() !== host.toLowerCase() || (p.port || 22) !== port) continue;
    const key = decodeBase64Strict(p.keyBase64);
    if (!key) continue;
    out.push({
      marker: null,
      hosts: { kind: 'patterns', patterns: [knownHostsName(host, port)] },
      keyType: p.keyType,
      key,
      source: 'pinned key',
    });
  }
  return out;
}

function entriesForHost(params: Omit<CheckHostKeyParams, 'key'>): KnownHostEntry[] {
  const port = params.port ?? 22;
  const fromFiles = params.knownHosts.filter(
    (e) => e.marker !== 'cert-authority' && entryMatchesHost(e, params.host, port),
  );
  return [...fromFiles, ...pinnedEntries(params.pinned, params.host, port)];
}

/**
 * Checks a server's host key against known_hosts files and pinned keys.
 *
 * - `revoked`: a matching `@revoked` line lists this key (wins over everything).
 * - `match`: a known_hosts line or a pinned key for this host has this exact key.
 * - `changed`: keys of the same type are known for this host, none equal to it.
 * - `unknown`: no key of this type is known (`knownKeyTypes` lists other types
 *   known for the host; empty means the host itself is new).
 */
export function checkHostKey(params: CheckHostKeyParams): HostKeyCheck {
  const fingerprint = fingerprintSha256(params.key);
  const keyType = keyTypeOf(params.key);
  const entries = entriesForHost(params);
  const same = (e: KnownHostEntry) => e.key.equals(params.key);

  if (entries.some((e) => e.marker === 'revoked' && same(e))) return { status: 'revoked', fingerprint };
  const plain = entries.filter((e) => e.marker === null);
  if (plain.some(same)) return { status: 'match', fingerprint };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    const expected = [...new Set(sameType.map((e) => fingerprintSha256(e.key)))];
    return { status: 'changed', fingerprint, expectedFingerprints: expected };
  }
  return { status: 'unknown', fingerprint, knownKeyTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/**
 * Key types known for a host (known_hosts + pins), so the client can ask the
 * server for one of those first, as OpenSSH does; otherwise a server with
 * several host keys could present one we have never seen.
 */
export function knownKeyTypesForHost(params: Omit<CheckHostKeyParams, 'key'>): string[] {
  return [...new Set(entriesForHost(params).filter((e) => e.marker === null).map((e) => e.keyType))];
}
