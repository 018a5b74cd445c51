/**
 * bench/overhead: the same generated repository (10,000 commits, ~5,000 files)
 * and the same test script, bisected by `git bisect run` and by the engine, in
 * one run, alternating, several rounds. Prints each time and the ratio of
 * medians (engine / git). Target: at most 1.10x.
 *
 *   npx tsx bench/overhead.ts [--rounds 3] [--work-ms 0]
 *
 * --work-ms makes the test script also sleep that long, as a real test would.
 * Sessions of one repository share a parked worktree, so the engine pays for
 * writing a whole tree only once; the first run's ratio is printed too.
 * The engine runs with checkEndpoints off: `git bisect run` does not test the
 * endpoints either (that feature costs one test run per given ref, by design).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../db/client';
import { EventBus } from '../server/bus';
import { runBisect } from '../server/engine/bisect/session';
import { validateBisectRequest } from '../server/engine/bisect/validate';
import { LocalExecutor } from '../server/engine/executors/local';
import { recipeSchema } from '../server/engine/recipe';
import { MemorySink } from '../server/engine/testing/memory-sink';
import { generateRepo, gitBisectRun } from '../server/engine/testing/repo';
import { makeTempDir, removeDir, writeScript } from '../server/engine/testing/scripts';
import { SessionRecorder } from '../server/wiring';
import { insertSession } from '../db/queries/sessions';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'work-ms': { type: 'string', default: '0' } } });
const rounds = Number(values.rounds);
const workMs = Number(values['work-ms']);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main() {
  const tmp = await makeTempDir('bench-overhead-');
  try {
    const t0 = Date.now();
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 10_000, files: 5_000, mergeEvery: 6, culprit: 6_543, tags: { good: 0 } });
    console.log(`generated 10,000 commits / 5,000 files in ${Date.now() - t0} ms`);
    const sleep = workMs > 0 ? `sleep ${workMs / 1000}\n` : '';
    // Reads a file of the tree, as a test of the built tree would.
    const script = await writeScript(tmp, 'test.sh', `${sleep}cat Makefile file-0001 >/dev/null 2>&1; test ! -e BUG`);
    const request = await validateBisectRequest({ repoPath: repo.dir, bad: 'main', good: ['good'] });
    const recipe = recipeSchema.parse({ phases: [{ name: 'test', kind: 'script', run: script }] });
    const db = await openDb({ dataDir: 'memory://' });
    // As in the server: a finished session parks its worktree for the next one of the same repository.
    // Round 1's engine run pays for creating it; later runs reuse it (see "first" below).
    const spareWorktree = path.join(tmp, 'spare');
    const local = new LocalExecutor();

    const gitTimes: number[] = [];
    const engineTimes: number[] = [];
    const engineDbTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['good'], script });
      gitTimes.push(performance.now() - t);
      if (git.firstBad !== repo.culpritSha) throw new Error('git bisect run found the wrong commit');

      t = performance.now();
      const sink = new MemorySink();
      await runBisect(
        { sessionId: `b${r}`, request, recipe, checkEndpoints: false, spareWorktree, worktree: path.join(tmp, `wt${r}`), scratchDir: path.join(tmp, `scratch${r}`) },
        { sink, executorFor: () => local, signal: new AbortController().signal },
      );
      engineTimes.push(performance.now() - t);
      const f = sink.finished();
      if (f.result?.kind !== 'culprit' || f.result.commit.sha !== git.firstBad) throw new Error('engine found a different commit');

      t = performance.now();
      const id = `00000000-0000-4000-8000-00000000000${r}`;
      await insertSession(db.db, {
        id, status: 'running', title: 'bench', repoPath: repo.dir, bad: 'main', good: ['good'], badSha: request.badSha,
        goodShas: request.goodShas, recipe,
      });
      const recorder = new SessionRecorder(db.db, new EventBus(), id, 0);
      await runBisect(
        { sessionId: id, request, recipe, checkEndpoints: false, spareWorktree, worktree: path.join(tmp, `wtd${r}`), scratchDir: path.join(tmp, `scratchd${r}`) },
        { sink: recorder, executorFor: () => local, signal: new AbortController().signal },
      );
      await recorder.flush();
      engineDbTimes.push(performance.now() - t);
      console.log(
        `round ${r + 1}: git bisect run ${gitTimes[r]?.toFixed(0)} ms, engine ${engineTimes[r]?.toFixed(0)} ms, engine+DB ${engineDbTimes[r]?.toFixed(0)} ms (${sink.of('stepFinished').length} steps)`,
      );
    }
    await db.close();
    const g = median(gitTimes);
    console.log(`\nmedian git bisect run: ${g.toFixed(0)} ms`);
    console.log(`engine / git bisect run:      ${(median(engineTimes) / g).toFixed(3)}x  (target <= 1.10x; worktree reused)`);
    console.log(`first engine run / git:       ${((engineTimes[0] ?? NaN) / (gitTimes[0] ?? NaN)).toFixed(3)}x  (creates the worktree: a full checkout git bisect run does not need)`);
    console.log(`engine+DB / git bisect run:   ${(median(engineDbTimes) / g).toFixed(3)}x`);
  } finally {
    await removeDir(tmp);
  }
}

void main();
