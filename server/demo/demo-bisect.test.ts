import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { useTestRuntime } from '../../test/suite';
import { LocalExecutor } from '../engine/executors/local';
import { UserInputError } from '../engine/types';
import { CULPRIT_SUBJECT } from './generate';
import { DEMO_GUEST, DemoGuestExecutor } from './guest';

/**
 * "Try the demo" end to end below the web layer: the API starts the demo, the
 * engine builds each commit and copies its guest image to the simulated guest,
 * commits with the regression stall a copy, and the session ends on the planted
 * culprit, verified, within a minute.
 */
let guest: DemoGuestExecutor;

const suite = useTestRuntime('demo-bisect-', (tmp) => {
  guest = new DemoGuestExecutor({ dir: path.join(tmp, 'demo') });
  const local = new LocalExecutor();
  return {
    hostExecutor: (on) => {
      if (on === DEMO_GUEST) return guest;
      if (on === 'local') return local;
      throw new UserInputError(`unknown host ${on}`, 'recipe');
    },
  };
});
afterAll(() => guest.close());

it('the demo bisects through the transfer phase, stalls copies on bad commits, and finds the culprit in under a minute', async () => {
  const t0 = performance.now();
  const { id } = await suite.api.sessions.demo();
  let d = await suite.api.sessions.byId({ id });
  while (d.session.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    d = await suite.api.sessions.byId({ id });
  }
  const ms = performance.now() - t0;
  console.log(`demo through the engine: ${d.steps.length} steps in ${(ms / 1000).toFixed(1)} s`);
  expect(d.session.status).toBe('done');
  expect(d.session.result?.kind).toBe('culprit');
  expect(d.session.result?.kind === 'culprit' && d.session.result.commit.subject).toBe(CULPRIT_SUBJECT);
  expect(ms).toBeLessThan(60_000);
  // Verified, as a KernelCI report would say: the bad commit with the culprit reverted and the culprit's parent both pass.
  expect(d.session.result?.kind === 'culprit' && d.session.result.verification?.summary).toBe('verified: reverting it fixes the bad commit');
  expect(d.steps.filter((s) => s.kind === 'verify')).toHaveLength(2);

  const copies = d.steps.flatMap((s) => s.phases.filter((p) => p.kind === 'transfer').map((p) => ({ verdict: s.verdict, copies: p.copies ?? [] })));
  expect(copies.length).toBeGreaterThan(5);
  for (const c of copies) {
    const outcomes = c.copies.map((x) => x.outcome);
    if (c.verdict === 'bad') expect(outcomes.at(-1)).toBe('stalled');
    if (c.verdict === 'good') expect(outcomes.every((o) => o === 'ok')).toBe(true);
  }
  expect(copies.some((c) => c.verdict === 'good')).toBe(true);
  expect(copies.some((c) => c.verdict === 'bad')).toBe(true);
}, 120_000);
