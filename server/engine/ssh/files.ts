import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';

/** Largest private key file read (an RSA 16384-bit key in OpenSSH format is ~12 KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
/** Largest known_hosts or ssh config file read. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Why a file could not be read: the message is `FILE: DETAIL`; `detail` alone
 * suits messages that name the file themselves. `missing`: it does not exist.
 */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly reason: 'missing' | 'not-regular' | 'too-large' | 'io',
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
  }
}

/**
 * Reads a regular file of at most `maxBytes`, without blocking the event loop
 * or a thread-pool thread. FIFOs, devices, sockets and directories are refused
 * before they are opened (`/dev/zero` would never end, a FIFO would wait for a
 * writer), and the file is opened non-blocking and checked again (it could be
 * swapped between the two checks). Errors name the file and say what to do.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  requireRegular(file, await statOf(file), maxBytes);
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw ioError(file, error);
  }
  try {
    requireRegular(file, await handle.stat({ bigint: true }), maxBytes);
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(file, maxBytes);
    }
    return buf.subarray(0, length);
  } catch (error) {
    throw error instanceof FileReadError ? error : ioError(file, error);
  } finally {
    await handle.close();
  }
}

async function statOf(file: string): Promise<BigIntStats> {
  try {
    return await stat(file, { bigint: true });
  } catch (error) {
    throw ioError(file, error);
  }
}

function requireRegular(file: string, st: BigIntStats, maxBytes: number): void {
  if (!st.isFile()) {
    throw new FileReadError(file, `it is ${kindOf(st)}, not a regular file: give the path of a file`, 'not-regular');
  }
  if (st.size > BigInt(maxBytes)) throw tooLarge(file, maxBytes);
}

function kindOf(st: BigIntStats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooLarge(file: string, maxBytes: number): FileReadError {
  return new FileReadError(file, `it is larger than ${Math.round(maxBytes / 1024)} KiB: is this the right file?`, 'too-large');
}

function ioError(file: string, error: unknown): FileReadError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileReadError(file, 'ENOENT: no such file', 'missing', { cause: error });
  const why = code === 'EACCES' ? 'EACCES: permission denied' : (error as Error).message;
  return new FileReadError(file, why, 'io', { cause: error });
}

/**
 * Parsed contents of files, re-read only when a file changes: keyed by path
 * and checked with a `stat` (device, inode, size, mtime and ctime in
 * nanoseconds) on every use, so an edit is seen at the next connection while
 * an unchanged file is not read again (wait-for-ssh polls every second).
 * A missing file is cached as `missing`. Holds at most `maxEntries` files.
 */
export class ParsedFileCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: T }>();

  constructor(
    private readonly parse: (text: string, file: string) => T,
    private readonly missing: T,
    private readonly maxBytes = MAX_CONFIG_FILE_BYTES,
    private readonly maxEntries = 64,
  ) {}

  /** The parsed file; `missing` if it does not exist. Other problems throw a FileReadError. */
  async get(file: string): Promise<T> {
    let st: BigIntStats;
    try {
      st = await statOf(file);
    } catch (error) {
      if (error instanceof FileReadError && error.reason === 'missing') return this.missing;
      throw error;
    }
    const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const hit = this.entries.get(file);
    if (hit && hit.stamp === stamp) return hit.value;
    let text: string;
    try {
      text = (await readRegularFile(file, this.maxBytes)).toString('utf8');
    } catch (error) {
      if (error instanceof FileReadError && error.reason === 'missing') return this.missing;
      throw error;
    }
    const value = this.parse(text, file);
    this.entries.delete(file);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(file, { stamp, value });
    return value;
  }
}
