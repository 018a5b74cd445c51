import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KCONFIG_FILES, TOY_KCONFIG } from '../server/demo/toy-kconfig';
import { makefile } from '../server/demo/toy-kernel';

/**
 * The toy kernel with its kconfig files as a git repository of 8 commits in
 * `dir` (made if missing): commit 3 turns BTRFS_FS on by default, commit 5
 * plants the bug (a `BUG` file), tag `v1` is commit 0. Returns the commits'
 * shas, oldest first. For the kconfig session test and its e2e spec.
 */
export function makeKconfigToyRepo(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.org' };
  const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env }).trim();
  g('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'Makefile'), makefile(15, ''));
  writeFileSync(path.join(dir, '.gitignore'), 'build/\n');
  for (const f of KCONFIG_FILES) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
    if (f.executable) chmodSync(path.join(dir, f.path), 0o755);
  }
  const shas: string[] = [];
  for (let i = 0; i < 8; i++) {
    writeFileSync(path.join(dir, `file${i}`), `${i}\n`);
    if (i === 3) writeFileSync(path.join(dir, 'Kconfig'), TOY_KCONFIG.replace(/(config BTRFS_FS\n\tbool "[^"]+"\n\tdefault) n/, '$1 y'));
    if (i === 5) writeFileSync(path.join(dir, 'BUG'), 'bug\n');
    g('add', '-A');
    g('commit', '-q', '-m', `commit ${i}`);
    shas.push(g('rev-parse', 'HEAD'));
  }
  g('tag', 'v1', shas[0] as string);
  return shas;
}
