import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKind } from '../../test/db';
import { useTestRuntime } from '../../test/suite';
import { SshExecutor } from '../engine/executors/ssh';
import { MiB } from '../engine/phases/transfer-stats';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { buildThenBugScript } from '../engine/testing/scripts';
import { startSshd, type TestHost } from '../engine/testing/sshd';
import { APP_TIMINGS, testTarget } from '../engine/testing/test-hosts';
import { UserInputError } from '../engine/types';
import { streamSessionEvents } from './stream';

const suite = useTestRuntime('transfer-service-', {
  hostExecutor: (on) => {
    if (on === 'guest') return guest;
    throw new UserInputError(`unknown host ${on}`, 'recipe');
  },
});

/** The transfer phase through the whole server path: engine events → DB → API and the event stream. */
let repo: GeneratedRepo;
let host: TestHost;
let guest: SshExecutor;

beforeAll(async () => {
  host = await startSshd();
  guest = new SshExecutor(testTarget(host, APP_TIMINGS), { name: 'guest' });
  repo = await generateRepo({ dir: path.join(suite.tmp, 'repo'), commits: 40, culprit: 25, tags: { base: 0 } });
});

afterAll(async () => {
  // The test host first: a session that did not end must not leave an sshd behind.
  guest?.close();
  await host?.dispose();
});

async function waitFinished(id: string, ms = 120_000) {
  const until = Date.now() + ms;
  for (;;) {
    const d = await suite.caller().sessions.byId({ id });
    if (!['running', 'paused'].includes(d.session.status) && !d.running) return d;
    if (Date.now() > until) throw new Error(`session did not finish: ${JSON.stringify({ s: d.session.status, e: d.session.error, r: d.running, steps: d.steps.map((x) => [x.step, x.verdict, x.reason, x.phases.map((p) => [p.name, p.status, p.reason])]) })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`transfer phase in a session (${dbKind()})`, () => {
  it('stores every copy with its samples; byId lists copies, samples returns them, the stream carries them live', async () => {
    const script = await buildThenBugScript(suite.tmp);
    const { id } = await suite.caller().sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['base'],
      recipe: {
        phases: [
          { name: 'copy', kind: 'transfer', on: 'guest', copies: 2, bytes: 8 * MiB, stallSec: 5 },
          { name: 'test', kind: 'script', run: script },
        ],
      },
    });
    const d = await waitFinished(id);
    expect(d.session.status).toBe('done');
    expect(d.steps.length).toBeGreaterThan(2);
    for (const s of d.steps) {
      const copy = s.phases.find((p) => p.kind === 'transfer');
      expect(copy?.copies?.map(({ index, bytes, outcome }) => ({ index, bytes, outcome }))).toEqual([
        { index: 1, bytes: 8 * MiB, outcome: 'ok' },
        { index: 2, bytes: 8 * MiB, outcome: 'ok' },
      ]);
      for (const c of copy?.copies ?? []) {
        expect(c.ms).toBeGreaterThan(0);
        expect(c.meanMBps).toBeGreaterThan(0);
      }
      expect(s.phases.find((p) => p.kind === 'script')).not.toHaveProperty('copies');
    }

    const step1 = d.steps[0]?.step as number;
    const samples = await suite.caller().sessions.samples({ id, step: step1, phase: 0 });
    expect(samples.map((c) => [c.step, c.phase, c.copy, c.outcome])).toEqual([
      [step1, 0, 1, 'ok'],
      [step1, 0, 2, 'ok'],
    ]);
    for (const c of samples) {
      expect(c.samples.length).toBeGreaterThan(0);
      expect(c.samples.at(-1)?.bytes).toBe(8 * MiB);
      expect(c.stallSec).toBe(5);
      expect(c.copyTimeoutSec).toBe(180);
      expect(c.meanMBps).toBeCloseTo((8 * MiB) / 1e6 / ((c.ms ?? 1) / 1000), 0);
    }
    const all = await suite.caller().sessions.samples({ id });
    expect(all).toHaveLength(d.steps.length * 2);

    // The events stream carries the same samples.
    const ctl = new AbortController();
    const streamed: number[] = [];
    let finishedCopies = 0;
    for await (const b of streamSessionEvents(suite.rt, id, 0, ctl.signal)) {
      for (const { payload: e } of b.events) {
        if (e.type === 'transferSample' && e.step === step1 && e.copy === 1) streamed.push(...e.samples.map((s) => s.bytes));
        if (e.type === 'copyFinished') finishedCopies++;
      }
    }
    expect(streamed).toEqual(samples[0]?.samples.map((s) => s.bytes));
    expect(finishedCopies).toBe(d.steps.length * 2);

    await expect(suite.caller().sessions.samples({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
