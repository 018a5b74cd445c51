import { mkdirSync, writeFileSync } from 'node:fs';
import { TEST_PRINCIPAL } from '../../test/auth';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { RECIPE_TEMPLATES } from '../../lib/recipe-templates';
import { dbKind, openTestDb } from '../../test/db';
import { makeTestRuntime } from '../../test/test-runtime';
import { appRouter } from '../api/root';
import { createCallerFactory } from '../api/trpc';
import { LocalExecutor } from '../engine/executors/local';
import type { RecipeInput } from '../engine/recipe';
import { generateRepo, gitBisectRun, type GeneratedRepo } from '../engine/testing/repo';
import { buildThenBugScript, makeTempDir, removeDir } from '../engine/testing/scripts';
import { startSshd, type TestHost } from '../engine/testing/sshd';
import { delay, watchMarker, type MarkerWatch } from '../engine/testing/test-hosts';
import type { Runtime } from '../runtime';
import type { SessionService } from '../sessions/service';
import { HostService } from './service';

/**
 * The guest-kernel template end to end, through the API: "vm-host" and
 * "guest" are two real sshd test hosts. The VM is simulated on this machine:
 * "virsh destroy" stops the guest's sshd, "virsh start" starts it again, the
 * "disk" is a file the reproducer on the guest reads. Commits with the
 * planted bug make the copy hang, as in the seed.
 */

let tmp: string;
let handle: DbHandle;
let vmHost: TestHost;
let guest: TestHost;
let hosts: HostService;
let sessions: SessionService;
let rt: Runtime;
let repo: GeneratedRepo;
const watches: MarkerWatch[] = [];
const caller = () => createCallerFactory(appRouter)({ runtime: rt, principal: TEST_PRINCIPAL });

beforeAll(async () => {
  tmp = await makeTempDir('guest-bisect-');
  [handle, vmHost, guest] = await Promise.all([openTestDb(), startSshd(), startSshd()]);
  hosts = new HostService({
    db: handle.db,
    local: new LocalExecutor(),
    knownHostsFiles: [],
    sshConfigPath: null,
    timing: { readyTimeoutMs: 3000, keepaliveIntervalMs: 1000, keepaliveCountMax: 2 },
  });
  await hosts.load();
  ({ rt } = makeTestRuntime(handle, tmp, { hosts, infraRetryDelayMs: 100 }));
  sessions = rt.sessions;
  repo = await generateRepo({ dir: path.join(tmp, 'linux'), commits: 24, mergeEvery: 6, culprit: 15, unbuildable: [7], tags: { 'v5.10': 0 } });
});

afterAll(async () => {
  for (const w of watches) w.stop();
  await sessions?.shutdown();
  hosts?.close();
  await Promise.all([vmHost?.dispose(), guest?.dispose()]);
  await handle?.close();
  await removeDir(tmp);
});

describe(`guest kernel template through the API (${dbKind()})`, () => {
  it('restarts the guest each step, waits for its SSH, and the reproducer finds the planted culprit as git bisect run does', { timeout: 200_000 }, async () => {
    // The hosts, added and trusted as a user would.
    for (const [name, h] of [
      ['vm-host', vmHost],
      ['guest', guest],
    ] as const) {
      const { id } = await caller().hosts.create({ name, address: '127.0.0.1', port: h.port, user: 'root', identityFile: h.clientKey });
      const t = await caller().hosts.test({ id });
      expect(t.code).toBe('HOST_KEY_UNKNOWN');
      await caller().hosts.acceptKey({ id, fingerprint: t.fingerprint ?? '' });
    }

    // The simulated VM: its disk, and virsh as markers the test acts on.
    const vmDir = path.join(tmp, 'vm');
    const images = path.join(tmp, 'images');
    mkdirSync(vmDir);
    mkdirSync(images);
    let starts = 0;
    watches.push(
      watchMarker(path.join(vmDir, 'destroy'), () => guest.stop()),
      watchMarker(path.join(vmDir, 'start'), async () => {
        await delay(300); // booting
        await guest.restart();
        starts++;
      }),
    );

    // The local reproducer uses the system ssh client, like the seed's scp loop.
    const knownHosts = path.join(tmp, 'known_hosts');
    writeFileSync(knownHosts, `${vmHost.knownHostsLine}\n${guest.knownHostsLine}\n`);
    const ssh = (h: TestHost) =>
      `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHosts} -i ${h.clientKey} -p ${h.port} root@127.0.0.1`;
    const testRuns: Record<string, string> = {
      'kernel version': 'echo "KERNEL_VERSION=5.$(git rev-list --count HEAD)" >> "$BISECT_ENV"',
      'build image': [
        '[ -e BROKEN ] && { echo "build failed"; exit 2; }',
        `img=${images}/$BISECT_SHORT.img`,
        'if [ -e BUG ]; then echo bug > "$img"; else echo ok > "$img"; fi',
        'echo "IMAGE=$img" >> "$BISECT_ENV"',
      ].join('\n'),
      'copy image': `${ssh(vmHost)} "cat > ${vmDir}/nixos.qcow2" < "$IMAGE"`,
      'virsh destroy': `touch ${vmDir}/destroy`,
      // The guest's "network": the reproducer's sink is /dev/null on a good kernel, and a FIFO
      // nobody reads on a bad one, so the copy hangs as in the seed. A writer left blocked on the
      // previous FIFO is released first.
      'install image': [
        `set -e; cp ${vmDir}/nixos.qcow2 ${vmDir}/disk.raw; rm -f ${vmDir}/nixos.qcow2`,
        `sink=${vmDir}/sink`,
        'if [ -p "$sink" ]; then timeout 1 cat "$sink" > /dev/null || true; fi',
        'rm -f "$sink"',
        `if [ "$(cat ${vmDir}/disk.raw)" = bug ]; then mkfifo "$sink"; else ln -s /dev/null "$sink"; fi`,
      ].join('\n'),
      'virsh start': `touch ${vmDir}/start`,
    };
    const template = RECIPE_TEMPLATES.find((t) => t.id === 'guest-kernel');
    if (!template) throw new Error('no guest-kernel template');
    const recipe: RecipeInput = {
      phases: template.recipe.phases.map((p) => {
        // The template's transfer reproducer as it is, scaled down: two small copies, a short stall window.
        if (p.kind === 'transfer') return { ...p, copies: 2, bytes: 4 * 1024 * 1024, sink: path.join(vmDir, 'sink'), stallSec: 2, copyTimeoutSec: 20 };
        if (p.kind !== 'script') return p;
        const run = testRuns[p.name];
        if (!run) throw new Error(`no test command for template phase ${p.name}`);
        return { ...p, run };
      }).map((p) => (p.kind === 'wait-for-ssh' ? { ...p, intervalSec: 0.25 } : p)),
    };
    // The template's structure is what runs: phases, hosts and meanings.
    expect(recipe.phases.map((p) => [p.name, p.kind, p.on ?? 'local'])).toEqual([
      ['kernel version', 'script', 'local'],
      ['build image', 'script', 'local'],
      ['copy image', 'script', 'local'],
      ['virsh destroy', 'script', 'vm-host'],
      ['install image', 'script', 'vm-host'],
      ['virsh start', 'script', 'vm-host'],
      ['wait for guest', 'wait-for-ssh', 'guest'],
      ['reproducer', 'transfer', 'guest'],
    ]);

    const git = await gitBisectRun(repo.dir, { bad: 'main', good: ['v5.10'], script: await buildThenBugScript(tmp) });
    expect(git.firstBad).toBe(repo.culpritSha);

    // verify: false: the culprit's verification would add two more guest restarts to a test about steps.
    const { id } = await caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v5.10'], recipe, verify: false });
    const until = Date.now() + 150_000;
    let detail = await caller().sessions.byId({ id });
    while (detail.session.status === 'running' && Date.now() < until) {
      await delay(200);
      detail = await caller().sessions.byId({ id });

    }
    const summary = detail.steps.map((s) => `${s.step} ${s.verdict} ${s.reason} | ` + s.phases.map((p) => `${p.name}:${p.status}:${p.ms}`).join(', ')).join('\n');
    if (detail.session.status === 'running') await caller().sessions.cancel({ id });
    expect(detail.session.status, summary).not.toBe('running');
    expect(detail.session.error).toBeNull();
    expect(detail.session.status).toBe('done');
    expect(detail.session.result?.kind === 'culprit' && detail.session.result.commit.sha).toBe(git.firstBad);

    // Every completed step went through the VM host and the guest's restart.
    const full = detail.steps.filter((s) => s.phases.length === 8);
    expect(full.length).toBeGreaterThan(2);
    expect(starts).toBeGreaterThanOrEqual(full.length);
    for (const s of full) {
      expect(s.phases.map((p) => p.on)).toEqual(['local', 'local', 'local', 'vm-host', 'vm-host', 'vm-host', 'guest', 'guest']);
      expect(s.phases[6]).toMatchObject({ name: 'wait for guest', kind: 'wait-for-ssh', outcome: 'pass' });
    }
    const badSteps = detail.steps.filter((s) => s.verdict === 'bad');
    expect(badSteps.length).toBeGreaterThan(0);
    for (const s of badSteps) expect(s.reason).toMatch(/^reproducer: copy 1\/2 stalled/);
    expect(detail.steps.some((s) => s.verdict === 'good')).toBe(true);
  });

  it('a host that cannot be reached pauses the session with an infrastructure error naming phase and host, not a verdict', async () => {
    const down = await startSshd();
    await down.stop();
    try {
      const { id: hostId } = await caller().hosts.create({ name: 'down-host', address: '127.0.0.1', port: down.port, user: 'root', identityFile: down.clientKey });
      expect(hostId).toBeTruthy();
      const { id } = await caller().sessions.create({
        repoPath: repo.dir,
        bad: 'main',
        good: ['v5.10'],
        recipe: { phases: [{ name: 'build', kind: 'script', on: 'down-host', run: 'make' }] },
      });
      const until = Date.now() + 60_000;
      let detail = await caller().sessions.byId({ id });
      while (detail.session.status === 'running' && Date.now() < until) {
        await delay(100);
        detail = await caller().sessions.byId({ id });
      }
      expect(detail.session.status).toBe('paused');
      expect(detail.session.error).toMatch(
        /^infrastructure error \(no verdict recorded\): phase "build" on host "down-host": cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED.*Fix the host, then resume/,
      );
      await caller().sessions.cancel({ id });
      expect(detail.steps.every((s) => s.verdict === null)).toBe(true);
    } finally {
      await down.dispose();
    }
  });
});
