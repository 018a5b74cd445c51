import { HostKeyChangedError, HostKeyUnknownError } from './errors';
import { fingerprintSha256, knownHostsName, type PinnedKey } from './known-hosts';

/**
 * accept-new pins the first key a host presents. Two first contacts at once
 * (a proxy or DNS alternating between two machines, or an attacker racing the
 * real host) must not both pin their key: the first one wins and any other key
 * of that type is a changed key.
 *
 * `claimFirstContact` decides on a key seen on first contact against the keys
 * pinned for that host *right now* (live, not a connection's snapshot). Call it
 * and record the pin in the same synchronous step (no `await` in between): the
 * event loop then serialises concurrent first contacts to one host and port.
 *
 * Returns `pin` (nothing pinned for host:port yet: record this key), `known`
 * (this very key is already pinned), or throws HostKeyChangedError (another key
 * of this type was pinned) / HostKeyUnknownError (only keys of other types are).
 */
export function claimFirstContact(pinned: readonly PinnedKey[], key: PinnedKey): 'pin' | 'known' {
  const name = knownHostsName(key.host, key.port);
  const forHost = pinned.filter((p) => knownHostsName(p.host, p.port || 22) === name);
  if (forHost.some((p) => p.keyBase64 === key.keyBase64)) return 'known';
  if (forHost.length === 0) return 'pin';
  const presented = fingerprintSha256(Buffer.from(key.keyBase64, 'base64'));
  const sameType = forHost.filter((p) => p.keyType === key.keyType);
  if (sameType.length > 0) {
    const expected = [...new Set(sameType.map((p) => fingerprintSha256(Buffer.from(p.keyBase64, 'base64'))))];
    throw new HostKeyChangedError(
      `host key for ${name} has changed: the server presented ${presented}, but ${expected.join(' or ')} was pinned for it ` +
        '(accept-new pins the first key a host presents; two different keys answered at once) — possible man-in-the-middle; ' +
        'check which machine answers at this address, then forget the pinned keys in Hosts if the pinned one is wrong',
      { host: name, fingerprint: presented, expectedFingerprints: expected },
    );
  }
  const types = [...new Set(forHost.map((p) => p.keyType))].join(', ');
  throw new HostKeyUnknownError(
    `host key for ${name} is not known: ${presented} (keys of other types are pinned for it: ${types}; not accepted automatically) — accept it in Hosts to pin it`,
    { host: name, fingerprint: presented },
  );
}
