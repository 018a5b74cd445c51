import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configStamp } from './config-stamp';

const home = mkdtempSync(path.join(os.tmpdir(), 'config-stamp-'));
const sshDir = path.join(home, '.ssh');
const main = path.join(sshDir, 'config');
mkdirSync(path.join(sshDir, 'config.d'), { recursive: true });
afterAll(() => rmSync(home, { recursive: true, force: true }));

const stamp = () => configStamp([{ file: main, includeBase: sshDir }], home);

describe('configStamp', () => {
  it('changes with the main file, a relative Include glob (under ~/.ssh), nested Includes, and files added or removed', async () => {
    writeFileSync(main, 'Include config.d/*\nHost a\n  Port 1\n');
    writeFileSync(path.join(sshDir, 'config.d', 'one'), 'Include ~/nested.conf\n');
    writeFileSync(path.join(home, 'nested.conf'), 'Host n\n');
    const seen = new Set<string>();
    const next = async () => {
      const s = await stamp();
      expect(s.exact).toBe(true);
      expect(seen.has(s.stamp)).toBe(false);
      seen.add(s.stamp);
    };
    await next();
    expect((await stamp()).stamp).toBe([...seen][0]); // unchanged files, same stamp
    writeFileSync(path.join(home, 'nested.conf'), 'Host m\n'); // same size, nested
    await next();
    writeFileSync(path.join(sshDir, 'config.d', 'two'), 'Host b\n');
    await next();
    rmSync(path.join(sshDir, 'config.d', 'two'));
    await next();
    writeFileSync(path.join(sshDir, 'config.d', '.hidden'), 'Host h\n'); // a glob skips dot files, as glob(3) does
    const withHidden = await stamp();
    expect(withHidden.stamp.includes('.hidden:')).toBe(false);
    writeFileSync(main, 'Include config.d/*\nHost a\n  Port 2\n');
    await next();
  });

  it('is inexact for a wildcard in a directory part, and says missing for a missing file', async () => {
    writeFileSync(main, 'Include conf.*/x\n');
    expect((await stamp()).exact).toBe(false);
    rmSync(main);
    expect((await stamp()).stamp).toBe(`${main}:missing`);
  });
});
