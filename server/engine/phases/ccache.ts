import type { ScriptPhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import { phaseEnvironment, type PhaseContext } from './context';

export interface CcacheCounters {
  hits: number;
  misses: number;
}

/** How long one `ccache --print-stats` may take. */
const STATS_MS = 10_000;

/** Hits and misses from `ccache --print-stats` (ccache ≥ 4: `key<TAB>value` lines); null if it is not that. */
export function parseCcacheStats(text: string): CcacheCounters | null {
  const v = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\t(\d+)$/.exec(line.trim());
    if (m) v.set(m[1] as string, Number(m[2]));
  }
  if (!v.has('cache_miss')) return null;
  return { hits: (v.get('direct_cache_hit') ?? 0) + (v.get('preprocessed_cache_hit') ?? 0), misses: v.get('cache_miss') ?? 0 };
}

/**
 * A build phase uses ccache when the recipe's variables set CCACHE_DIR or its
 * script names ccache (`make CC="ccache gcc"`). Only then are the counters read:
 * a phase without ccache costs nothing extra.
 */
export function usesCcache(phase: ScriptPhaseSpec, ctx: PhaseContext): boolean {
  return Boolean(ctx.recipeEnv?.CCACHE_DIR ?? ctx.stepEnv.CCACHE_DIR) || /\bccache\b/.test(phase.run);
}

/** Reads ccache's counters where the phase runs (with its environment, so its CCACHE_DIR); null when ccache is absent. */
export async function readCcache(ctx: PhaseContext, cwd: string | undefined): Promise<CcacheCounters | null> {
  const { BISECT_WORKTREE: _local, ...remoteEnv } = phaseEnvironment(ctx);
  let out = '';
  try {
    for await (const ev of ctx.executor.run(
      { argv: ['ccache', '--print-stats'], ...(cwd ? { cwd } : {}), env: ctx.executor.remote ? remoteEnv : phaseEnvironment(ctx), timeoutMs: STATS_MS },
      ctx.signal,
    )) {
      if (ev.type === 'output' && ev.stream === 'stdout') out += `${ev.lines.join('\n')}\n`;
      if (ev.type === 'exit' && !(ev.status.kind === 'exited' && ev.status.code === 0)) return null;
    }
  } catch {
    return null; // no ccache there, or the host went away: the phase itself will say so
  }
  return parseCcacheStats(out);
}

/**
 * Wraps a build phase: counters before and after, and when the build compiled
 * through ccache, its hit rate as a log line and a `buildCache` event. Builds
 * sharing one cache at the same time (slots) blur each other's numbers.
 */
export async function* withCcacheStats(
  phase: ScriptPhaseSpec,
  ctx: PhaseContext,
  run: () => AsyncIterable<ExecEvent>,
): AsyncGenerator<ExecEvent, void, undefined> {
  const cwd = phase.cwd ?? (ctx.executor.remote ? undefined : ctx.worktree);
  const before = await readCcache(ctx, cwd);
  for await (const ev of run()) {
    if (ev.type === 'exit' && before && ev.status.kind !== 'cancelled') {
      const after = await readCcache(ctx, cwd);
      const hits = after ? after.hits - before.hits : 0;
      const misses = after ? after.misses - before.misses : 0;
      if (hits + misses > 0) {
        const hitRate = hits / (hits + misses);
        await ctx.emit?.({ type: 'buildCache', step: ctx.step, phase: ctx.phase ?? 0, hits, misses, hitRate });
        yield { type: 'output', stream: 'stdout', lines: [`ccache: ${hits} hits, ${misses} misses: ${(hitRate * 100).toFixed(1)}% hit rate`] };
      }
    }
    yield ev;
  }
}
