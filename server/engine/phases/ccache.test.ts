import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../events';
import { LocalExecutor } from '../executors/local';
import { scriptPhaseSchema } from '../recipe';
import { makeTempDir, removeDir } from '../testing/scripts';
import type { PhaseContext } from './context';
import { parseCcacheStats } from './ccache';
import { runScriptPhase } from './script';

/** ccache's hit rate of a build phase, with the real ccache and gcc (skipped where ccache is not installed). */
let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('ccache-');
  await writeFile(path.join(dir, 'a.c'), 'int a(void) { return 1; }\n');
  await writeFile(path.join(dir, 'b.c'), 'int b(void) { return 2; }\n');
});
afterAll(() => removeDir(dir));

async function build(run: string, env: Record<string, string>) {
  const events: EngineEvent[] = [];
  const lines: string[] = [];
  const ctx: PhaseContext = {
    sessionId: 's', step: 1, sha: 'a'.repeat(40), worktree: dir, terms: { old: 'good', new: 'bad' }, envFile: path.join(dir, 'env'),
    recipeEnv: env, stepEnv: {}, executor: new LocalExecutor(), signal: new AbortController().signal, phase: 0,
    emit: (e) => void events.push(e), leaseFile: path.join(dir, 'lease'),
  };
  for await (const ev of runScriptPhase(scriptPhaseSchema.parse({ name: 'build', kind: 'script', run }), ctx)) if (ev.type === 'output') lines.push(...ev.lines);
  return { cache: events.find((e) => e.type === 'buildCache'), lines };
}

const hasCcache = (await import('node:child_process')).spawnSync('ccache', ['--version']).status === 0;

describe.skipIf(!hasCcache)('ccache hit rate of a build phase', () => {
  it('a cold build misses, the same build again hits: both reported as an event and a log line', async () => {
    const env = { CCACHE_DIR: path.join(dir, 'cache') };
    const compile = 'for f in a b; do ccache gcc -c $f.c -o $f.o || exit 1; done';
    const cold = await build(compile, env);
    expect(cold.cache).toMatchObject({ type: 'buildCache', step: 1, phase: 0, hits: 0, misses: 2, hitRate: 0 });
    const warm = await build(compile, env);
    expect(warm.cache).toMatchObject({ hits: 2, misses: 0, hitRate: 1 });
    expect(warm.lines).toContain('ccache: 2 hits, 0 misses: 100.0% hit rate');
  });

  it('a phase that does not use ccache reads nothing and reports nothing', async () => {
    const plain = await build('true', {});
    expect(plain.cache).toBeUndefined();
    expect(plain.lines).toEqual([]);
  });
});

it('parses ccache --print-stats and refuses other text', () => {
  expect(parseCcacheStats('cache_miss\t3\ndirect_cache_hit\t5\npreprocessed_cache_hit\t1\n')).toEqual({ hits: 6, misses: 3 });
  expect(parseCcacheStats('Cacheable calls: 3 / 3\n')).toBeNull();
});
