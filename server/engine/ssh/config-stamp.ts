import type { BigIntStats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileReadError, ParsedFileCache } from './files';
import { matchPattern } from './patterns';
import { splitConfigLine } from './ssh-config-text';

/**
 * A stamp of every file an ssh client config is made of: the main file, the
 * files its `Include` lines name (recursively) and the directories their globs
 * read, each as `path:dev:ino:size:mtime:ctime`. Any edit, and any file added
 * to or removed from an included directory (it changes the directory's mtime),
 * changes the stamp, so a lookup cached under it is stale exactly when the
 * files changed.
 *
 * `exact` is false when an Include glob has wildcards in a directory part
 * (`~/conf.*\/x`): those directories are not followed, so callers should let a
 * cached answer expire after a short while.
 *
 * The main file is read with the checks of files.ts (a FIFO or a device is
 * refused with a FileReadError); included files are read the same way.
 */
export interface ConfigStamp {
  stamp: string;
  exact: boolean;
}

export interface ConfigRoot {
  file: string;
  /** Where relative Include paths point: ~/.ssh for a user's config, /etc/ssh for the system's. */
  includeBase: string;
}

/** OpenSSH's own bound on Include depth (READCONF_MAX_DEPTH). */
const MAX_DEPTH = 16;

/** Include arguments of a config file (whatever block they stand in: over-approximating is safe here). */
const includesCache = new ParsedFileCache<string[] | null>(
  (text) =>
    text.split('\n').flatMap((line) => {
      const parsed = splitConfigLine(line);
      return parsed?.keyword === 'include' ? parsed.args : [];
    }),
  null,
);

export async function configStamp(roots: readonly ConfigRoot[], homeDir: string): Promise<ConfigStamp> {
  const parts: string[] = [];
  const state = { exact: true };
  for (const root of roots) await stampFile(root.file, root.includeBase, homeDir, parts, state, 0);
  return { stamp: parts.join('\n'), exact: state.exact };
}

async function stampFile(file: string, base: string, home: string, parts: string[], state: { exact: boolean }, depth: number): Promise<void> {
  const st = await statOrNull(file);
  parts.push(`${file}:${stampOf(st)}`);
  if (!st) return;
  const includes = await includesCache.get(file);
  if (!includes) return; // vanished between the stat and the read: the stamp says missing next time
  if (depth >= MAX_DEPTH) return;
  for (const pattern of includes) {
    for (const included of await expandInclude(pattern, base, home, parts, state)) {
      await stampFile(included, base, home, parts, state, depth + 1);
    }
  }
}

/** The files an Include pattern names now; stamps the directory it reads. */
async function expandInclude(pattern: string, base: string, home: string, parts: string[], state: { exact: boolean }): Promise<string[]> {
  const expanded = pattern === '~' || pattern.startsWith('~/') ? path.join(home, pattern.slice(1)) : pattern;
  const full = path.isAbsolute(expanded) ? expanded : path.join(base, expanded);
  const dir = path.dirname(full);
  const name = path.basename(full);
  if (hasGlob(dir)) {
    state.exact = false;
    return [];
  }
  if (!hasGlob(name)) return [full];
  const dirStat = await statOrNull(dir);
  parts.push(`${dir}/:${stampOf(dirStat)}`);
  if (!dirStat?.isDirectory()) return [];
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  // glob(3) as OpenSSH uses it: sorted, and a wildcard never matches a leading dot.
  return entries
    .filter((e) => !e.startsWith('.') && matchPattern(e, name))
    .sort()
    .map((e) => path.join(dir, e));
}

function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

async function statOrNull(file: string): Promise<BigIntStats | null> {
  try {
    return await stat(file, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new FileReadError(file, (error as Error).message, 'io', { cause: error });
  }
}

function stampOf(st: BigIntStats | null): string {
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : 'missing';
}
