import { describe, expect, it } from 'vitest';
import type { SessionDetail } from '../../db/queries/sessions';
import type { Session } from '../../db/schema';
import { commitReference, kernelSha, upstreamReport } from './upstream';

const CULPRIT = '8d622d21d24803408b256d96463eac4574dcf067';
const GOOD = '2c85ebc57b3e1817b6ce1a6b703928e113a90442';
const BAD = '3e732ebf7316ac83e8562db7e64cc68aec390a18';
const LOG = `git bisect start '${BAD}' '${GOOD}'\n# bad: [${CULPRIT}] virtio: fix up virtio_disable_cb\ngit bisect bad ${CULPRIT}\n# first bad commit: [${CULPRIT}] virtio: fix up virtio_disable_cb\n`;

function detail(over: Partial<Session> = {}): SessionDetail {
  const session = {
    id: 'x',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T01:00:00Z'),
    status: 'done',
    title: 'Demo',
    repoPath: '/src/linux',
    bad: 'v5.15',
    good: ['v5.10'],
    badSha: BAD,
    goodShas: [GOOD],
    termOld: 'good',
    termNew: 'bad',
    firstParent: false,
    paths: [],
    recipe: {
      phases: [
        { name: 'build', kind: 'script', run: 'make -j8 bzImage', on: 'local' },
        { name: 'boot', kind: 'boot', on: 'guest1', image: 'debian-12.qcow2', memoryMB: 2048, identityFile: '/root/.ssh/id_ed25519' },
        { name: 'repro', kind: 'script', run: 'ping -c 3 -W 1 10.0.2.2 || exit 1\niperf3 -c 10.0.2.2', onFailure: 'exitcode' },
      ],
    },
    rangeSize: 100,
    initialSuspect: [[0, 100]],
    revisionsLeft: 0,
    stepsLeft: 0,
    result: {
      kind: 'culprit',
      commit: {
        sha: CULPRIT,
        subject: 'virtio: fix up virtio_disable_cb',
        author: 'Michael S. Tsirkin',
        authorEmail: 'mst@redhat.com',
        date: '2021-05-25T06:26:54-04:00',
        message: 'virtio: fix up virtio_disable_cb\n\n...',
        diffstat: '1 file changed',
      },
    },
    bisectLog: LOG,
    error: null,
    lastSeq: 0,
    checkEndpoints: true,
    origin: 'run',
    ...over,
  } as Session;
  return { session, steps: [] };
}

describe('upstreamReport', () => {
  const text = upstreamReport(detail(), { shareUrl: 'https://bisect.example/s/TOKEN', hosts: { local: 'Linux 6.1.0-18-amd64 x86_64' } });
  const lines = text.split('\n');

  it('opens with the regression in one line, naming the culprit as kernel mail does', () => {
    expect(lines[0]).toBe('Regression: `repro` fails on v5.15 but not on v5.10; bisected to 8d622d21d248 ("virtio: fix up virtio_disable_cb").');
    expect(text).toContain('The first bad commit is:\n\n  8d622d21d248 ("virtio: fix up virtio_disable_cb")\n  Author: Michael S. Tsirkin <mst@redhat.com>\n');
  });

  it('names good and bad versions with their shas', () => {
    expect(lines).toContain('Good: v5.10 (2c85ebc57b3e)');
    expect(lines).toContain('Bad:  v5.15 (3e732ebf7316)');
  });

  it('describes the environment without credentials', () => {
    expect(lines).toContain('  Host (local): Linux 6.1.0-18-amd64 x86_64');
    expect(lines).toContain('  Host guest1: kernel not recorded');
    expect(lines).toContain('  Phase boot (boot on guest1): image=debian-12.qcow2, memoryMB=2048');
    expect(text).not.toContain('id_ed25519');
    expect(text).not.toContain('identityFile');
  });

  it('quotes the reproducer (the last script phase), the whole bisect log, regzbot and the link', () => {
    expect(text).toContain('Reproducer (phase "repro", run in the kernel tree; exit 0 = good, 125 = skip, 1-127 = bad):\n\n  ping -c 3 -W 1 10.0.2.2 || exit 1\n  iperf3 -c 10.0.2.2\n');
    expect(text).toContain(`Bisect log:\n\n${LOG}`);
    expect(lines).toContain('#regzbot introduced: 8d622d21d248');
    expect(text.trimEnd().split('\n').at(-1)).toBe('The whole bisect (timeline, every step and its logs): https://bisect.example/s/TOKEN');
  });

  it('says how to get a share link when there is none', () => {
    expect(upstreamReport(detail())).toContain('Link: (no share link yet: press "Share" on the session page');
  });

  it('candidates: lists them and introduces the range', () => {
    const t = upstreamReport(
      detail({
        result: {
          kind: 'candidates',
          commits: [
            { sha: CULPRIT, subject: 'virtio: fix up virtio_disable_cb', author: 'a', authorEmail: '', date: '' },
            { sha: 'e3aadf2e1614174dc81d52cbb9dabb77913b11c6', subject: 'vdpa/mlx5: Clear vq ready indication upon device reset', author: 'b', authorEmail: '', date: '' },
          ],
        },
      }),
    );
    expect(t.split('\n')[0]).toContain('bisected to one of 2 commits');
    expect(t).toContain('  e3aadf2e1614 ("vdpa/mlx5: Clear vq ready indication upon device reset")');
    expect(t).toContain('#regzbot introduced: v5.10..v5.15');
  });

  it('custom terms looking for a fix: no regzbot line', () => {
    const t = upstreamReport(detail({ termOld: 'broken', termNew: 'fixed' }));
    expect(t.split('\n')[0]).toMatch(/^Change: `repro` is 'fixed' on v5\.15 and 'broken' on v5\.10; first 'fixed' commit 8d622d21d248/);
    expect(t).toContain("The first 'fixed' commit is:");
    expect(t).toContain('Broken: v5.10 (2c85ebc57b3e)');
    expect(t).toContain('Fixed:  v5.15 (3e732ebf7316)');
    expect(t).not.toContain('#regzbot introduced');
  });

  it('an imported session: no reproducer, refs that are shas written once', () => {
    const t = upstreamReport(detail({ origin: 'import', recipe: { phases: [] }, bad: BAD, good: [GOOD] }));
    expect(t).toContain('Reproducer: not recorded (this bisect was imported from a `git bisect log`).');
    expect(t).toContain('Good: 2c85ebc57b3e\n');
    expect(t.split('\n')[0]).toBe(`Regression: behaves differently on ${BAD} but not on ${GOOD}; bisected to 8d622d21d248 ("virtio: fix up virtio_disable_cb").`);
  });

  it('an unfinished bisect says so', () => {
    const t = upstreamReport(detail({ status: 'running', result: null, bisectLog: '' }));
    expect(t.split('\n')[0]).toContain('bisect not finished (0 steps so far)');
    expect(t).toContain('#regzbot introduced: v5.10..v5.15');
    expect(t).not.toContain('Bisect log:');
  });

  it('kernel sha helpers', () => {
    expect(kernelSha(CULPRIT)).toBe('8d622d21d248');
    expect(commitReference({ sha: CULPRIT, subject: 'x "quoted"' })).toBe('8d622d21d248 ("x "quoted"")');
  });
});
