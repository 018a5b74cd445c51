import { HostKeyChangedError, HostKeyRevokedError, HostKeyUnknownError, SshError } from './errors';
import { checkHostKey, fingerprintSha256, keyTypeOf, knownKeyTypesForHost, loadKnownHosts, type KnownHostEntry, type PinnedKey } from './known-hosts';
import type { ResolvedTarget, SshTarget } from './target';

/**
 * Host key policy: which server host key algorithms to offer and whether a
 * presented key is accepted (known_hosts, pinned keys, accept-new), as OpenSSH
 * decides it. Pure apart from reading known_hosts.
 */

const RSA_SIG_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
const HOST_KEY_ALGOS_SSH2 = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  ...RSA_SIG_ALGOS,
  'ssh-dss',
]);

/** The known_hosts entries for a connection, or why they could not be read (the host key check then fails closed). */
export type KnownHosts = { entries: KnownHostEntry[] } | { error: Error };

export async function readKnownHosts(target: SshTarget): Promise<KnownHosts> {
  try {
    return { entries: await loadKnownHosts(target.knownHostsFiles) };
  } catch (err) {
    return { error: err as Error };
  }
}

/** Server host key algorithms to offer: those of key types we already know first (OpenSSH does the same). */
export function hostKeyAlgorithms(target: SshTarget, resolved: ResolvedTarget, known: KnownHosts): string[] {
  if ('error' in known) return []; // unreadable known_hosts: the host key check itself fails closed
  const types = knownKeyTypesForHost({ host: resolved.hostName, port: resolved.port, knownHosts: known.entries, pinned: target.pinnedKeys });
  const algos = types.flatMap((t) => (t === 'ssh-rsa' ? RSA_SIG_ALGOS : [t]));
  return [...new Set(algos)].filter((a) => HOST_KEY_ALGOS_SSH2.has(a));
}

/**
 * Decides on a host key. Returns null to accept, or the error to refuse with;
 * a promise of that only when accept-new pins the key and the caller's
 * `onNewKeyPinned` returned one (ssh2 must get the answer synchronously
 * otherwise: a deferred answer during a re-key loses queued packets). Runs
 * inside ssh2's hostVerifier, i.e. after key exchange and before any
 * credentials are sent.
 */
export function decideHostKey(target: SshTarget, resolved: ResolvedTarget, known: KnownHosts, key: Buffer): SshError | null | Promise<SshError | null> {
  const fingerprint = fingerprintSha256(key);
  const host = resolved.label;
  let check;
  try {
    if ('error' in known) throw known.error;
    check = checkHostKey({ host: resolved.hostName, port: resolved.port, key, knownHosts: known.entries, pinned: target.pinnedKeys });
  } catch (err) {
    return new HostKeyUnknownError(`cannot verify the host key of ${host}: ${(err as Error).message}`, {
      cause: err,
      host,
      fingerprint,
    });
  }
  switch (check.status) {
    case 'match':
      return null;
    case 'revoked':
      return new HostKeyRevokedError(`host key for ${host} is revoked in known_hosts: ${fingerprint}`, {
        host,
        fingerprint,
      });
    case 'changed':
      return new HostKeyChangedError(
        `host key for ${host} has changed: the server presented ${fingerprint}, expected ` +
          `${check.expectedFingerprints.join(' or ')} — possible man-in-the-middle; if the host was reinstalled, ` +
          `replace its key in Hosts`,
        { host, fingerprint, expectedFingerprints: check.expectedFingerprints },
      );
    case 'unknown': {
      if (target.hostKeyPolicy === 'accept-new' && check.knownKeyTypes.length === 0) {
        const pin: PinnedKey = {
          host: resolved.hostName,
          port: resolved.port,
          keyType: keyTypeOf(key),
          keyBase64: key.toString('base64'),
        };
        const refusal = (err: unknown): SshError =>
          err instanceof SshError
            ? err
            : new HostKeyUnknownError(`could not pin the host key of ${host} (${fingerprint}): ${(err as Error).message}`, {
                cause: err,
                host,
                fingerprint,
              });
        try {
          const stored = target.onNewKeyPinned?.(pin);
          return isPromiseLike(stored) ? Promise.resolve(stored).then(() => null, refusal) : null;
        } catch (err) {
          return refusal(err);
        }
      }
      const other =
        check.knownKeyTypes.length > 0
          ? ` (keys of other types are known for it: ${check.knownKeyTypes.join(', ')}; not accepted automatically)`
          : '';
      return new HostKeyUnknownError(`host key for ${host} is not known: ${fingerprint}${other} — accept it in Hosts to pin it`, {
        host,
        fingerprint,
      });
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
