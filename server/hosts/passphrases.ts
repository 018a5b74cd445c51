import type { Db } from '../../db/client';
import { listHostRows, setHostPassphrase } from '../../db/queries/hosts';
import type { Host } from '../../db/schema';
import { UserInputError } from '../engine/types';
import type { SecretBox } from '../secrets/box';

/**
 * Key passphrases are stored like secret recipe variables: sealed with
 * AES-256-GCM under DATA_DIR/secret.key, in the hosts table's `passphrase`
 * column, as `sealed:` + the sealed value. Older versions stored them in
 * clear; `sealStoredPassphrases` converts those rows at start.
 */
export const SEALED_PREFIX = 'sealed:';

/** The value stored for `passphrase`. */
export function sealPassphrase(box: SecretBox, passphrase: string): string {
  return SEALED_PREFIX + box.seal(passphrase);
}

/**
 * The passphrase in a stored value, or null if the value is not sealed under
 * this box (a clear-text row of an older version). A clear passphrase that
 * happens to start with `sealed:` does not authenticate, so it counts as clear.
 */
export function openSealedPassphrase(box: SecretBox, stored: string): string | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  try {
    return box.unseal(stored.slice(SEALED_PREFIX.length));
  } catch {
    return null;
  }
}

/**
 * Seals every passphrase stored in clear (rows of older versions). Idempotent:
 * sealed rows are left alone. Returns how many rows it converted. Runs at
 * start, before the hosts are loaded.
 */
export async function sealStoredPassphrases(db: Db, box: SecretBox): Promise<number> {
  let converted = 0;
  for (const row of await listHostRows(db)) {
    if (row.passphrase === null || openSealedPassphrase(box, row.passphrase) !== null) continue;
    await setHostPassphrase(db, row.id, sealPassphrase(box, row.passphrase));
    converted++;
  }
  return converted;
}

/**
 * A host's key passphrase in clear, for ssh only. A row still in clear (an
 * older version's, before the start-up conversion) is used as it is.
 */
export function passphraseOf(box: SecretBox, row: Pick<Host, 'name' | 'passphrase'>): string | null {
  if (row.passphrase === null) return null;
  const opened = openSealedPassphrase(box, row.passphrase);
  if (opened !== null) return opened;
  if (!row.passphrase.startsWith(SEALED_PREFIX)) return row.passphrase;
  throw new UserInputError(
    `the stored key passphrase of ${row.name} cannot be opened (was DATA_DIR/secret.key replaced?): enter the passphrase again in Edit on the Hosts page`,
    'passphrase',
  );
}
