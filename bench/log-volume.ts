/**
 * bench/log-volume: a phase that prints 1,000,000 lines, recorded through the
 * real wiring into PGlite. Prints lines/s, the stored line count, and the peak
 * RSS growth over a baseline measured in the same run (an idle session). The
 * store must keep every line while memory stays bounded (capped batches, a
 * bounded queue, backpressure on the command).
 *
 *   npx tsx bench/log-volume.ts [--lines 1000000]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../db/client';
import { insertSession, getSessionDetail } from '../db/queries/sessions';
import { EventBus } from '../server/bus';
import { runBisect } from '../server/engine/bisect/session';
import { validateBisectRequest } from '../server/engine/bisect/validate';
import { LocalExecutor } from '../server/engine/executors/local';
import { recipeSchema } from '../server/engine/recipe';
import { generateRepo } from '../server/engine/testing/repo';
import { makeTempDir, removeDir } from '../server/engine/testing/scripts';
import { SessionRecorder } from '../server/wiring';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' } } });
const LINES = Number(values.lines);

async function run(tmp: string, repoDir: string, lines: number, label: string) {
  const db = await openDb({ dataDir: path.join(tmp, `db-${label}`) });
  const request = await validateBisectRequest({ repoPath: repoDir, bad: 'main', good: ['v1'] });
  // One commit in range: the endpoint checks are the only steps, the bad check prints the log.
  const recipe = recipeSchema.parse({
    phases: [{ name: 'build', kind: 'script', run: `if [ -e BUG ]; then seq 1 ${lines} | sed 's/^/  CC      drivers\\/virtio\\/virtio_ring.o line /'; exit 1; fi; exit 0` }],
  });
  const id = `00000000-0000-4000-8000-0000000000${label === 'baseline' ? '01' : '02'}`;
  await insertSession(db.db, { id, status: 'running', title: label, repoPath: repoDir, bad: 'main', good: ['v1'], badSha: request.badSha, goodShas: request.goodShas, recipe });
  const recorder = new SessionRecorder(db.db, new EventBus(), id, 0);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const base = process.memoryUsage().rss;
  const t0 = performance.now();
  await runBisect(
    { sessionId: id, request, recipe, worktree: path.join(tmp, `wt-${label}`), scratchDir: path.join(tmp, `s-${label}`) },
    { sink: recorder, executorFor: () => new LocalExecutor(), signal: new AbortController().signal },
  );
  await recorder.flush();
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const detail = await getSessionDetail(db.db, id);
  const stored = detail?.steps[0]?.phases[0]?.lineCount ?? 0;
  await db.close();
  return { ms, stored, growthMb: (peak - base) / 1024 / 1024 };
}

async function main() {
  const tmp = await makeTempDir('bench-logs-');
  try {
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 2, culprit: 1, tags: { v1: 0 } });
    const baseline = await run(tmp, repo.dir, 10, 'baseline');
    const big = await run(tmp, repo.dir, LINES, 'big');
    console.log(`baseline (10 lines): ${baseline.ms.toFixed(0)} ms, RSS growth ${baseline.growthMb.toFixed(0)} MB`);
    console.log(`${LINES.toLocaleString('en-US')} lines: ${big.ms.toFixed(0)} ms (${Math.round(LINES / (big.ms / 1000)).toLocaleString('en-US')} lines/s), stored ${big.stored.toLocaleString('en-US')}`);
    console.log(`peak RSS growth: ${big.growthMb.toFixed(0)} MB vs ${baseline.growthMb.toFixed(0)} MB for the baseline (ratio ${(Math.max(1, big.growthMb) / Math.max(1, baseline.growthMb)).toFixed(1)}x)`);
    if (big.stored !== LINES) throw new Error(`lost lines: stored ${big.stored} of ${LINES}`);
  } finally {
    await removeDir(tmp);
  }
}

void main();
