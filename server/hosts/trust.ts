import type { Db } from '../../db/client';
import { claimHostKey } from '../../db/queries/hosts';
import type { Host } from '../../db/schema';
import { connectSsh, type PinnedKey, type SshTarget } from '../engine/ssh/connection';
import { claimFirstContact } from '../engine/ssh/first-contact';
import { fingerprintSha256 } from '../engine/ssh/known-hosts';
import { UserInputError } from '../engine/types';
import { probe } from './probe';
import type { HostRegistry } from './registry';

/** "Test connection": reachability, the key the host presented, `uname -r`, time. */
export interface HostTestResult {
  ok: boolean;
  fingerprint: string | null;
  kernel: string | null;
  ms: number;
  error?: string;
  /** SshError code: HOST_KEY_UNKNOWN offers "accept", HOST_KEY_CHANGED shows both fingerprints. */
  code?: string;
  /** For HOST_KEY_CHANGED: the fingerprints known (known_hosts or pinned) for the host. */
  expectedFingerprints?: string[];
  /** An accept-new host whose key was pinned by this test. */
  pinned?: boolean;
}

export interface HostTrustOptions {
  db: Db;
  registry: HostRegistry;
  /** The host's SSH target, with `onPinned` told of keys accept-new pins. */
  target: (row: Host, onPinned: (key: PinnedKey) => void | Promise<void>) => SshTarget;
  /** The host's trust changed: its executor must reconnect with the new keys. */
  changed: (hostId: string) => void;
  testTimeoutMs?: number | undefined;
}

/** Trusting hosts: "test connection", accepting a presented key, pinning keys on first contact. */
export class HostTrust {
  constructor(private readonly o: HostTrustOptions) {}

  /** Connects, runs `uname -r`, disconnects. An accept-new host's unknown key is pinned here. */
  async test(row: Host): Promise<HostTestResult> {
    let pinned = false;
    // The connection waits for the pin to be stored: a refusal there (another key won) refuses the host.
    const target = this.o.target(row, async (key) => {
      const write = this.claimPin(row.id, key);
      if (!write) return;
      await write;
      pinned = true;
    });
    const r = await probe(target, this.o.testTimeoutMs !== undefined ? { timeoutMs: this.o.testTimeoutMs } : {});
    if (pinned) this.o.changed(row.id);
    const result: HostTestResult = { ok: r.ok, fingerprint: r.fingerprint, kernel: r.kernel, ms: r.ms };
    if (r.error !== undefined) result.error = r.error;
    if (r.code !== undefined) result.code = r.code;
    if (r.expectedFingerprints) result.expectedFingerprints = r.expectedFingerprints;
    if (pinned) result.pinned = true;
    return result;
  }

  /**
   * Pins the key the host presents right now, if it is the one the user saw
   * (`fingerprint`) and no other key is known for the host. A changed key is
   * never accepted here: that needs the old key removed first.
   */
  async acceptKey(row: Host, fingerprint: string): Promise<{ fingerprint: string; host: string; port: number }> {
    const want = fingerprint.trim();
    let seen: PinnedKey | undefined;
    // Connect as accept-new and refuse in the pin callback: we learn the key
    // exactly as the host presents it (through jump hosts and aliases too)
    // without authenticating or trusting anything.
    const target: SshTarget = {
      ...this.o.target(row, () => undefined),
      hostKeyPolicy: 'accept-new',
      onNewKeyPinned: (key) => {
        seen ??= key;
        throw new Error('not pinned yet');
      },
    };
    try {
      const conn = await connectSsh(target);
      conn.close();
    } catch (err) {
      if (!seen) throw acceptRefusal(row, err);
    }
    if (!seen) throw new UserInputError(`the host key of ${row.name} is already trusted: nothing to accept`, 'fingerprint');
    const presented = fingerprintSha256(Buffer.from(seen.keyBase64, 'base64'));
    if (presented !== want) {
      throw new UserInputError(
        `${row.name} now presents ${presented}, not ${want}: test the connection again and compare before accepting`,
        'fingerprint',
      );
    }
    let write: Promise<void> | null;
    try {
      write = this.claimPin(row.id, seen); // another connection may have pinned a key since
    } catch (err) {
      throw acceptRefusal(row, err);
    }
    await write;
    this.o.changed(row.id);
    return { fingerprint: presented, host: seen.host, port: seen.port };
  }

  /**
   * Pins a key seen on first contact (accept-new, or Accept), unless another
   * key is pinned for that host and port by now: then it throws (see
   * claimFirstContact). Decides and records in memory synchronously, so
   * concurrent first contacts in this process cannot both pin, and decides
   * again in the database under a lock on the host (claimHostKey), so first
   * contacts in other processes cannot either: the returned write rejects
   * with HOST_KEY_CHANGED when another process pinned another key first.
   * Returns null when this key was pinned already.
   */
  claimPin(hostId: string, key: PinnedKey): Promise<void> | null {
    if (claimFirstContact(this.o.registry.keysOf(hostId), key) === 'known') return null;
    const pin = {
      hostId,
      host: key.host,
      port: key.port,
      keyType: key.keyType,
      keyBase64: key.keyBase64,
      fingerprint: fingerprintSha256(Buffer.from(key.keyBase64, 'base64')),
      addedAt: new Date(),
    };
    return this.o.registry.addPin(pin, () => claimHostKey(this.o.db, pin, (pinned) => claimFirstContact(pinned, key)));
  }
}

function acceptRefusal(row: Host, err: unknown): UserInputError {
  const e = err as Error & { code?: string; fingerprint?: string; expectedFingerprints?: string[] };
  switch (e.code) {
    case 'HOST_KEY_CHANGED':
      return new UserInputError(
        `${row.name} presents ${e.fingerprint ?? 'a key'}, but ${e.expectedFingerprints?.join(' or ') ?? 'another key'} is known for it: ` +
          'a changed key is not accepted here. If the host was reinstalled, forget its pinned keys (Edit) or remove its line from known_hosts, then test again',
        'fingerprint',
      );
    case 'HOST_KEY_REVOKED':
    case 'HOST_KEY_UNKNOWN':
      return new UserInputError(e.message, 'fingerprint');
    case 'AUTH_FAILED':
      return new UserInputError(`the host key of ${row.name} is already trusted: nothing to accept (${e.message})`, 'fingerprint');
    default:
      return new UserInputError(`cannot read the host key of ${row.name}: ${e.message}`, 'fingerprint');
  }
}
