import { describe, expect, it } from 'vitest';
import { noteFor, type WatchedSession } from './notify-rules';

const s = (status: WatchedSession['status'], error: string | null = null): WatchedSession => ({ id: 'x', title: 'virtio hang', status, error });

describe('browser notification rule', () => {
  it.each([
    ['running → done', 'running', s('done'), 'Bisect finished: virtio hang'],
    ['running → failed', 'running', s('failed', 'git: bad object'), 'Bisect failed: virtio hang'],
    ['running → paused on an infrastructure error', 'running', s('paused', 'host builder unreachable'), 'Bisect paused: virtio hang'],
    ['running → paused by a person', 'running', s('paused'), null],
    ['running → cancelled', 'running', s('cancelled'), null],
    ['first seen finished (opening an old session)', undefined, s('done'), null],
    ['paused → done (not watched running)', 'paused', s('done'), null],
    ['still running', 'running', s('running'), null],
  ] as const)('%s', (_name, before, now, title) => {
    expect(noteFor(before, now)?.title ?? null).toBe(title);
  });
  it('says why it failed or paused', () => {
    expect(noteFor('running', s('paused', 'host builder unreachable'))?.body).toBe('host builder unreachable');
  });
});
