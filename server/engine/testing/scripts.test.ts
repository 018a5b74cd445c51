import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bugScript, buildThenBugScript, exitScript, fixedScript, makeTempDir, removeDir, writeScript } from './scripts';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('scripts-test-');
});
afterAll(async () => {
  await removeDir(tmp);
});

function run(script: string, cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(script, [], { cwd }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout });
    });
  });
}

describe('writeScript', () => {
  it('writes an executable bash script with a shebang', async () => {
    const p = await writeScript(join(tmp, 'a', 'b'), 'hello.sh', 'echo "hi $((1 + 2))"');
    expect(p).toBe(join(tmp, 'a', 'b', 'hello.sh'));
    expect((await stat(p)).mode & 0o777).toBe(0o755);
    expect(await readFile(p, 'utf8')).toBe('#!/usr/bin/env bash\necho "hi $((1 + 2))"\n');
    expect(await run(p, tmp)).toEqual({ code: 0, stdout: 'hi 3\n' });
  });

  it('keeps an explicit shebang and rejects path-like names', async () => {
    const p = await writeScript(tmp, 'sh.sh', '#!/bin/sh\nexit 3\n');
    expect(await readFile(p, 'utf8')).toBe('#!/bin/sh\nexit 3\n');
    expect((await run(p, tmp)).code).toBe(3);
    await expect(writeScript(tmp, '../x', 'true')).rejects.toThrow(/plain file name/);
  });
});

describe('canned scripts', () => {
  it('bugScript / buildThenBugScript / fixedScript exit codes follow the markers', async () => {
    const work = join(tmp, 'work');
    await mkdir(work, { recursive: true });
    const dir = join(tmp, 'canned');
    const bug = await bugScript(dir);
    const build = await buildThenBugScript(dir);
    const fixed = await fixedScript(dir);

    expect((await run(bug, work)).code).toBe(0);
    expect((await run(build, work)).code).toBe(0);
    expect((await run(fixed, work)).code).toBe(1);

    await writeFile(join(work, 'BUG'), 'bug\n');
    expect((await run(bug, work)).code).toBe(1);
    expect((await run(build, work)).code).toBe(1);
    expect((await run(fixed, work)).code).toBe(0);

    await writeFile(join(work, 'BROKEN'), 'broken\n');
    expect((await run(build, work)).code).toBe(125);
  });

  it('supports custom marker paths with odd characters', async () => {
    const work = join(tmp, 'work2');
    await mkdir(join(work, "we'ird dir"), { recursive: true });
    const p = await bugScript(join(tmp, 'custom'), { bugPath: "we'ird dir/$BUG" });
    expect((await run(p, work)).code).toBe(0);
    await writeFile(join(work, "we'ird dir", '$BUG'), '');
    expect((await run(p, work)).code).toBe(1);
  });

  it('exitScript prints lines and exits with the code', async () => {
    const p = await exitScript(tmp, 7, { lines: 3 });
    expect(await run(p, tmp)).toEqual({ code: 7, stdout: 'line 1\nline 2\nline 3\n' });
    await expect(exitScript(tmp, 1.5)).rejects.toThrow(/exit code/);
  });
});
