import type { SecretBox } from '../secrets/box';

/** Stored like host key passphrases: `sealed:` + AES-256-GCM under DATA_DIR/secret.key. */
const SEALED_PREFIX = 'sealed:';

export function sealWebhookSecret(box: SecretBox, secret: string): string {
  return SEALED_PREFIX + box.seal(secret);
}

/** The secret, or null when it was sealed under another key. */
export function openWebhookSecret(box: SecretBox, stored: string): string | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  try {
    return box.unseal(stored.slice(SEALED_PREFIX.length));
  } catch {
    return null;
  }
}
