import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every module `file` imports (type imports too), transitively, as paths or bare package names. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[1] ?? '';
    if (!spec.startsWith('.')) {
      seen.add(spec);
      continue;
    }
    const target = `${path.resolve(path.dirname(file), spec)}.ts`;
    if (seen.has(target)) continue;
    seen.add(target);
    importsOf(target, seen);
  }
  return seen;
}

describe('the core contract (types.ts)', () => {
  it('depends on no SSH library or SSH module: the SSH code implements its interfaces', () => {
    const deps = [...importsOf(path.join(__dirname, 'types.ts'))];
    expect(deps.filter((d) => d === 'ssh2' || d.includes(`${path.sep}ssh${path.sep}`))).toEqual([]);
  });
});
