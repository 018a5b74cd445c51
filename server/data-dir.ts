import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Mode of DATA_DIR: only the server's user may enter it. */
export const DATA_DIR_MODE = 0o700;
/** The process umask at start: every file and directory the server creates is owner-only. */
export const SERVER_UMASK = 0o077;
/** Subdirectories whose files older versions created world-readable (or writable): tightened at start. */
const TIGHTENED = ['db', 'scratch'];

/**
 * Makes the data directory private before anything is opened in it: the umask
 * becomes 077, DATA_DIR is created (or changed to) mode 0700, files an older
 * version left group/world accessible under `db/` and `scratch/` lose those
 * bits, and `$BISECT_ENV` files of earlier runs (they can hold secrets) are
 * removed (a resumed step writes its own afresh). Throws, naming what to do,
 * when DATA_DIR cannot be made private.
 */
export async function secureDataDir(dir: string): Promise<void> {
  process.umask(SERVER_UMASK);
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  try {
    await chmod(dir, DATA_DIR_MODE);
  } catch (error) {
    throw new Error(
      `cannot make DATA_DIR ${dir} private (chmod 700 failed: ${(error as Error).message}): run the dashboard as the owner of that directory, or set DATA_DIR to one it owns`,
      { cause: error },
    );
  }
  for (const sub of TIGHTENED) await tightenTree(path.join(dir, sub));
  await removeStepEnvFiles(path.join(dir, 'scratch'));
}

/**
 * Tightens the embedded database's files again once it is open: PGlite writes
 * a few files at start (`pg_internal.init`) with an explicit mode of 0644,
 * which the umask does not reach. DATA_DIR being 0700 already keeps them from
 * other users; this keeps the files themselves owner-only as well.
 */
export async function tightenDatabaseFiles(dir: string): Promise<void> {
  await tightenTree(path.join(dir, 'db'));
}

/** Removes group and other permission bits from every file and directory under `dir` (symlinks are not followed). */
async function tightenTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(ignoreMissing);
  await tighten(dir);
  for (const e of entries ?? []) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await tightenTree(p);
    else if (e.isFile()) await tighten(p);
  }
}

async function tighten(p: string): Promise<void> {
  const st = await lstat(p).catch(ignoreMissing);
  if (st && !st.isSymbolicLink() && (st.mode & 0o077) !== 0) await chmod(p, st.mode & 0o7700);
}

/** Deletes `scratch/<session>/step-N.env` files left by earlier runs. */
async function removeStepEnvFiles(scratch: string): Promise<void> {
  for (const session of (await readdir(scratch, { withFileTypes: true }).catch(ignoreMissing)) ?? []) {
    if (!session.isDirectory()) continue;
    const dir = path.join(scratch, session.name);
    for (const name of (await readdir(dir).catch(ignoreMissing)) ?? []) {
      if (/^step-\d+\.env$/.test(name)) await rm(path.join(dir, name), { force: true });
    }
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
