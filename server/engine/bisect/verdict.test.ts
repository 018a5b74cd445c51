import { describe, expect, it } from 'vitest';
import { decidePhase, decideStep, exitCodeOutcome, type PhasePolicy } from './verdict';
import type { ExitStatus, PhaseOutcome } from '../types';

const gitRules: PhasePolicy = { onFailure: 'exitcode', onTimeout: 'bad' };

describe('exitCodeOutcome follows git bisect run', () => {
  it.each<[number, PhaseOutcome]>([
    [0, 'pass'],
    [1, 'bad'],
    [2, 'bad'],
    [124, 'bad'],
    [125, 'skip'],
    [126, 'bad'],
    [127, 'bad'],
    [128, 'abort'],
    [129, 'abort'],
    [255, 'abort'],
    [-1, 'abort'],
  ])('exit %i -> %s', (code, outcome) => expect(exitCodeOutcome(code)).toBe(outcome));
});

describe('decidePhase', () => {
  const table: Array<[string, ExitStatus, PhasePolicy, PhaseOutcome]> = [
    ['exit 0 passes under any policy', { kind: 'exited', code: 0 }, { onFailure: 'bad', onTimeout: 'skip' }, 'pass'],
    ['exitcode 1 is bad', { kind: 'exited', code: 1 }, gitRules, 'bad'],
    ['exitcode 125 is skip', { kind: 'exited', code: 125 }, gitRules, 'skip'],
    ['exitcode 128 aborts', { kind: 'exited', code: 128 }, gitRules, 'abort'],
    ['onFailure skip turns 1 into skip', { kind: 'exited', code: 1 }, { onFailure: 'skip', onTimeout: 'bad' }, 'skip'],
    ['onFailure skip turns 200 into skip', { kind: 'exited', code: 200 }, { onFailure: 'skip', onTimeout: 'bad' }, 'skip'],
    ['onFailure bad turns 125 into bad', { kind: 'exited', code: 125 }, { onFailure: 'bad', onTimeout: 'bad' }, 'bad'],
    ['onFailure abort', { kind: 'exited', code: 3 }, { onFailure: 'abort', onTimeout: 'bad' }, 'abort'],
    ['signal under exitcode aborts', { kind: 'signaled', signal: 'SIGSEGV' }, gitRules, 'abort'],
    ['signal under skip is skip', { kind: 'signaled', signal: 'SIGKILL' }, { onFailure: 'skip', onTimeout: 'bad' }, 'skip'],
    ['timeout bad', { kind: 'timedOut', afterMs: 1000 }, { onFailure: 'skip', onTimeout: 'bad' }, 'bad'],
    ['timeout skip', { kind: 'timedOut', afterMs: 1000 }, { onFailure: 'bad', onTimeout: 'skip' }, 'skip'],
    ['timeout abort', { kind: 'timedOut', afterMs: 1000 }, { onFailure: 'exitcode', onTimeout: 'abort' }, 'abort'],
    ['cancel aborts', { kind: 'cancelled' }, gitRules, 'abort'],
  ];
  it.each(table)('%s', (_name, status, policy, outcome) => {
    expect(decidePhase(status, policy).outcome).toBe(outcome);
  });

  it('explains an abort exit code', () => {
    expect(decidePhase({ kind: 'exited', code: 128 }, gitRules).reason).toMatch(/abort/);
  });
});

describe('decideStep', () => {
  const p = (name: string, outcome: PhaseOutcome) => ({ name, outcome, reason: outcome });
  it('all passing is good', () => {
    expect(decideStep([p('build', 'pass'), p('test', 'pass')])).toMatchObject({ kind: 'verdict', verdict: 'good' });
  });
  it('first non-pass decides', () => {
    expect(decideStep([p('build', 'skip'), p('test', 'bad')])).toMatchObject({ kind: 'verdict', verdict: 'skip' });
    expect(decideStep([p('build', 'pass'), p('test', 'bad')])).toMatchObject({ kind: 'verdict', verdict: 'bad' });
  });
  it('abort is not a verdict', () => {
    expect(decideStep([p('build', 'abort')])).toMatchObject({ kind: 'abort' });
  });
  it('names the deciding phase', () => {
    const d = decideStep([p('build', 'pass'), p('repro', 'bad')]);
    expect(d.reason).toMatch(/^repro:/);
  });
});
