import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../executors/local';
import { recipeSchema, type RecipeInput } from '../recipe';
import { generateRepo } from '../testing/repo';
import { MemorySink } from '../testing/memory-sink';
import { startSshd, type TestHost } from '../testing/sshd';
import { testHostExecutor } from '../testing/test-hosts';
import { makeTempDir, removeDir } from '../testing/scripts';
import type { Executor } from '../types';
import { runSlotBisect } from './scheduler';
import { validateBisectRequest } from './validate';

let tmp: string;
let host: TestHost;
let guest: Executor & { close?: () => Promise<void> | void };
beforeAll(async () => {
  tmp = await makeTempDir('copies-as-runs-');
  host = await startSshd();
  guest = testHostExecutor(host, 'guest');
});
afterAll(async () => {
  await (guest as { close?: () => unknown }).close?.();
  await host?.dispose();
  await removeDir(tmp);
});

describe('flaky mode: each copy of a transfer is a run', () => {
  it('a failed copy counts at once, good-looking commits stop before the last copy, and the culprit is found', { timeout: 180_000 }, async () => {
    const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 24, culprit: 13, tags: { v1: 0 } });
    // The guest is this machine over SSH: a local phase points the sink at /dev/full (a "hang": every copy
    // fails) on half the runs of commits with the bug, at /dev/null otherwise.
    const sink = path.join(tmp, 'sink');
    const coin = `h=$(printf '%s-%s' "$BISECT_COMMIT" "$BISECT_STEP" | cksum | cut -d' ' -f1)`;
    const recipe: RecipeInput = {
      phases: [
        { name: 'boot', kind: 'script', run: `${coin}; if test -e BUG && [ $((h % 2)) -eq 0 ]; then ln -sfn /dev/full ${sink}; else ln -sfn /dev/null ${sink}; fi` },
        { name: 'copy', kind: 'transfer', on: 'guest', bytes: 256 * 1024, copies: 4, sink, copiesAreRuns: true, stallSec: 5, copyTimeoutSec: 20 },
      ],
    };
    const local = new LocalExecutor();
    const sinkEvents = new MemorySink();
    const status = await runSlotBisect(
      {
        sessionId: 'copies',
        request: await validateBisectRequest({ repoPath: repo.dir, bad: 'main', good: ['v1'] }),
        recipe: recipeSchema.parse(recipe),
        worktree: path.join(tmp, 'wt'),
        scratchDir: path.join(tmp, 'scratch'),
        checkEndpoints: false,
        strategy: { kind: 'bayes' },
        slots: [{}],
      },
      { sink: sinkEvents, executorFor: (on) => (on === 'local' ? local : guest), signal: new AbortController().signal },
    );
    expect(status).toBe('done');
    const result = sinkEvents.finished().result;
    expect(result?.kind === 'culprit' && result.commit.sha).toBe(repo.culpritSha);
    const copies = sinkEvents.of('copyFinished');
    const steps = sinkEvents.of('stepStarted').length;
    // Every copy is one observation, and only copies are: runs = copies.
    expect(sinkEvents.of('strategyUpdated').at(-1)?.view.runs).toBe(copies.length);
    // A failed copy ended its step at once; some passing steps stopped before their fourth copy.
    expect(copies.some((c) => c.outcome !== 'ok')).toBe(true);
    const perStep = new Map<number, number>();
    for (const c of copies) perStep.set(c.step, (perStep.get(c.step) ?? 0) + 1);
    expect([...perStep.values()].some((n) => n < 4)).toBe(true);
    expect(copies.length).toBeGreaterThan(steps);
    expect(sinkEvents.of('output').some((e) => e.lines.some((l) => l.startsWith('stopping after copy')))).toBe(true);
  });
});
