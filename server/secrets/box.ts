import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redactor } from './redactor';

const PREFIX = 'v1:';

/**
 * Seals secret recipe values with AES-256-GCM under a key kept in the data
 * directory (mode 0600), outside the database: the DB holds only ciphertext.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from `dir/secret.key`, creating it on first use. */
  static async open(dir: string): Promise<SecretBox> {
    const file = path.join(dir, 'secret.key');
    try {
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
      if (key.length === 32) return new SecretBox(key);
      throw new Error(`${file} does not hold a 32-byte key`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true });
      const key = randomBytes(32);
      await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      await chmod(file, 0o600);
      return SecretBox.open(dir);
    }
  }

  static forKey(key: Buffer): SecretBox {
    return new SecretBox(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  unseal(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** Replaces every occurrence of each secret (and each long line of a multi-line one) in `text`: see Redactor. */
export function redact(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).text(text);
}
