import { readFile, writeFile } from 'node:fs/promises';

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

export async function resetStepEnv(file: string): Promise<void> {
  await writeFile(file, '');
}
