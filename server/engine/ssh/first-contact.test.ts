import { describe, expect, it } from 'vitest';
import { HostKeyChangedError, HostKeyUnknownError } from './errors';
import { claimFirstContact } from './first-contact';
import type { PinnedKey } from './known-hosts';

// Wire-format blobs: a type string, then some bytes (only the type and the bytes matter here).
const blob = (type: string, fill: number) => {
  const t = Buffer.from(type);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(t.length);
  return Buffer.concat([head, t, Buffer.alloc(32, fill)]).toString('base64');
};
const pin = (keyType: string, fill: number, port = 2222): PinnedKey => ({ host: '10.0.0.5', port, keyType, keyBase64: blob(keyType, fill) });

describe('claimFirstContact', () => {
  it('pins the first key, knows it again, and refuses a second key of that type as changed', () => {
    const a = pin('ssh-ed25519', 1);
    const b = pin('ssh-ed25519', 2);
    expect(claimFirstContact([], a)).toBe('pin');
    expect(claimFirstContact([a], a)).toBe('known');
    expect(() => claimFirstContact([a], b)).toThrow(HostKeyChangedError);
    try {
      claimFirstContact([a], b);
    } catch (e) {
      expect((e as HostKeyChangedError).expectedFingerprints).toHaveLength(1);
      expect((e as Error).message).toMatch(/two different keys answered at once/);
    }
  });

  it('refuses a key of another type when one is pinned; other ports and hosts are separate', () => {
    const a = pin('ssh-ed25519', 1);
    expect(() => claimFirstContact([a], pin('ecdsa-sha2-nistp256', 3))).toThrow(HostKeyUnknownError);
    expect(claimFirstContact([a], pin('ssh-ed25519', 2, 22))).toBe('pin');
    expect(claimFirstContact([{ ...a, host: '10.0.0.6' }], pin('ssh-ed25519', 2))).toBe('pin');
    expect(claimFirstContact([{ ...a, host: '10.0.0.5'.toUpperCase() }], a)).toBe('known');
  });
});
