import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileReadError, ParsedFileCache, readRegularFile } from './files';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssh-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves with how many 5 ms timer ticks happened while `work` ran: > 0 means the event loop was not blocked. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const t = setInterval(() => ticks++, 5);
  try {
    await work();
  } finally {
    clearInterval(t);
  }
  return ticks;
}

describe('readRegularFile', () => {
  it('reads a regular file up to the cap', async () => {
    const f = path.join(dir, 'ok');
    writeFileSync(f, 'key material');
    expect((await readRegularFile(f, 64)).toString()).toBe('key material');
    writeFileSync(f, 'x'.repeat(65));
    await expect(readRegularFile(f, 64)).rejects.toMatchObject({ reason: 'too-large' });
  });

  it('refuses FIFOs, devices and directories without waiting, and says what the path is', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    for (const [file, kind] of [
      [fifo, 'a named pipe (FIFO)'],
      ['/dev/zero', 'a character device'],
      ['/dev/null', 'a character device'],
      [dir, 'a directory'],
    ] as const) {
      const err = await readRegularFile(file, 1024).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileReadError);
      expect((err as FileReadError).reason).toBe('not-regular');
      expect((err as FileReadError).message).toBe(`${file}: it is ${kind}, not a regular file: give the path of a file`);
    }
    expect(Date.now() - started).toBeLessThan(500);
    await expect(readRegularFile(path.join(dir, 'nope'), 10)).rejects.toMatchObject({ reason: 'missing' });
  });

  it('refuses many FIFO reads at once without tying up the event loop or the thread pool', async () => {
    const fifo = path.join(dir, 'fifo2');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const ticks = await ticksDuring(async () => {
      await Promise.all(Array.from({ length: 50 }, () => readRegularFile(fifo, 1024).catch(() => undefined)));
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(ticks).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(1000);
    // No thread-pool thread is stuck opening the FIFO (a blocking open would wait for a writer): ordinary reads still complete.
    const f = path.join(dir, 'after');
    writeFileSync(f, 'fine');
    expect((await readRegularFile(f, 10)).toString()).toBe('fine');
  });
});

describe('ParsedFileCache', () => {
  it('parses once while the file is unchanged, again after any change (same size too), and caches a missing file as missing', async () => {
    let parses = 0;
    const cache = new ParsedFileCache<string>((t) => {
      parses++;
      return t.toUpperCase();
    }, 'MISSING');
    const f = path.join(dir, 'config');
    writeFileSync(f, 'abc');
    expect(await cache.get(f)).toBe('ABC');
    expect(await cache.get(f)).toBe('ABC');
    expect(parses).toBe(1);
    writeFileSync(f, 'xyz');
    utimesSync(f, new Date(1000), new Date(1000)); // even an edit that restores an old mtime changes ctime
    expect(await cache.get(f)).toBe('XYZ');
    expect(parses).toBe(2);
    expect(await cache.get(path.join(dir, 'none'))).toBe('MISSING');
    await expect(cache.get('/dev/zero')).rejects.toMatchObject({ reason: 'not-regular' });
  });
});
