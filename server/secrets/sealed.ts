import type { SecretBox } from './box';

/**
 * How sealed values are stored in the database (host key passphrases, webhook
 * secrets and bodies): `sealed:` + the value sealed with AES-256-GCM under
 * DATA_DIR/secret.key (SecretBox).
 */
export const SEALED_PREFIX = 'sealed:';

/** The value to store for `value`. */
export function sealForStorage(box: SecretBox, value: string): string {
  return SEALED_PREFIX + box.seal(value);
}

/**
 * The value in a stored one, or null if it is not sealed under this box (not
 * sealed at all, or under another key). A clear value that happens to start
 * with `sealed:` does not authenticate, so it is null too.
 */
export function openStored(box: SecretBox, stored: string): string | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  try {
    return box.unseal(stored.slice(SEALED_PREFIX.length));
  } catch {
    return null;
  }
}
