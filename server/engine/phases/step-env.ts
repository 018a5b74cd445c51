import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a `$BISECT_ENV` file: `KEY=VALUE` lines, as GitHub's `$GITHUB_ENV`.
 * Blank lines and `#` comments are ignored; malformed lines are reported.
 */
export function parseStepEnv(text: string): { vars: Record<string, string>; errors: string[] } {
  const vars: Record<string, string> = {};
  const errors: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!KEY_RE.test(key)) {
      errors.push(`$BISECT_ENV line ${i + 1} is not KEY=VALUE: ${line.slice(0, 80)}`);
      return;
    }
    vars[key] = line.slice(eq + 1);
  });
  return { vars, errors };
}

export async function readStepEnv(file: string): Promise<{ vars: Record<string, string>; errors: string[] }> {
  try {
    return parseStepEnv(await readFile(file, 'utf8'));
  } catch {
    return { vars: {}, errors: [] };
  }
}

/** Where step `step`'s `$BISECT_ENV` file lives in a session's scratch directory. */
export function stepEnvFile(scratchDir: string, step: number): string {
  return path.join(scratchDir, `step-${step}.env`);
}

/**
 * Empties (or creates) a step's `$BISECT_ENV` file, mode 0600: phases write
 * secrets into it (`echo "K=$TOKEN" >> $BISECT_ENV`). A file an older version
 * left readable is made owner-only before it is emptied and reused.
 */
export async function resetStepEnv(file: string): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
}

/** Deletes a step's `$BISECT_ENV` file once the step is over (its values live on only in memory). */
export async function removeStepEnv(file: string): Promise<void> {
  await rm(file, { force: true });
}
