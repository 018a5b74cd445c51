import type { Db } from '../../db/client';
import { listHostRows, setHostPassphrase } from '../../db/queries/hosts';
import type { Host } from '../../db/schema';
import { UserInputError } from '../engine/types';
import type { SecretBox } from '../secrets/box';
import { openStored, SEALED_PREFIX, sealForStorage } from '../secrets/sealed';

/*
 * Key passphrases are stored sealed (server/secrets/sealed.ts) in the hosts
 * table's `passphrase` column. Older versions stored them in clear;
 * `sealStoredPassphrases` converts those rows at start. A stored value that
 * does not open under this box is such a clear-text row.
 */
export { SEALED_PREFIX };

/** The value stored for `passphrase`. */
export const sealPassphrase = sealForStorage;

/**
 * Seals every passphrase stored in clear (rows of older versions). Idempotent:
 * sealed rows are left alone. Returns how many rows it converted. Runs at
 * start, before the hosts are loaded.
 */
export async function sealStoredPassphrases(db: Db, box: SecretBox): Promise<number> {
  let converted = 0;
  for (const row of await listHostRows(db)) {
    if (row.passphrase === null || openStored(box, row.passphrase) !== null) continue;
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
  const opened = openStored(box, row.passphrase);
  if (opened !== null) return opened;
  if (!row.passphrase.startsWith(SEALED_PREFIX)) return row.passphrase;
  throw new UserInputError(
    `the stored key passphrase of ${row.name} cannot be opened (was DATA_DIR/secret.key replaced?): enter the passphrase again in Edit on the Hosts page`,
    'passphrase',
  );
}
