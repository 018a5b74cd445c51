import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRPCError } from '@trpc/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '../../db/queries/events';
import { insertSession } from '../../db/queries/sessions';
import { hosts, shares } from '../../db/schema';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { streamSessionEvents } from '../sessions/stream';
import { dbKind } from '../../test/db';
import { useTestRuntime } from '../../test/suite';
import { SHARE_NOT_FOUND_MESSAGE } from './service';
import { streamSharedEvents } from './stream';
import { GET as sharedExport } from '../../app/s/[token]/export.json/route';
import { GET as sharedPhaseLog } from '../../app/s/[token]/log/route';

const FIXTURES = fileURLToPath(new URL('../engine/bisect-log/fixtures/', import.meta.url));
const ORIGIN = 'http://bisect.example:3000';

/** `suite.visitor()`: someone holding a link, no sign-in, no API token. */
const suite = useTestRuntime('shares-', { origin: ORIGIN });

let repo: GeneratedRepo;
/** An imported, finished session (the seed log). */
let importedId: string;

beforeAll(async () => {
  repo = await generateRepo({ dir: path.join(suite.tmp, 'repo'), commits: 120, culprit: 80, tags: { 'v5.10': 0 } });
  importedId = (await suite.caller().sessions.import({ log: readFileSync(path.join(FIXTURES, 'seed-16-step.log'), 'utf8') })).id;
});

/** Starts a session on the test repository (main against v5.10) whose one phase runs `run`. */
function startScript(run: string) {
  return suite.caller().sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v5.10'], recipe: { phases: [{ name: 't', kind: 'script', run }] } });
}

async function notFoundMessage(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe('NOT_FOUND');
  return (e as TRPCError).message;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

describe(`shares (${dbKind()})`, () => {
  it('create: a 256-bit token shown once, stored only as its SHA-256; list never returns it', async () => {
    const r = await suite.caller().shares.create({ sessionId: importedId });
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(r.token, 'base64url')).toHaveLength(32);
    expect(r.url).toBe(`${ORIGIN}/s/${r.token}`);

    const rows = await suite.handle.db.select().from(shares);
    const row = rows.find((x) => x.id === r.share.id);
    expect(row?.tokenHash).toBe(createHash('sha256').update(r.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(r.token);
    expect(row?.tokenHint).toBe(r.token.slice(0, 6));

    const list = await suite.caller().shares.list({ sessionId: importedId });
    expect(list.map((s) => s.id)).toContain(r.share.id);
    expect(JSON.stringify(list)).not.toContain(r.token);
    expect(list.find((s) => s.id === r.share.id)).toMatchObject({ active: true, revokedAt: null, expiresAt: null, hideHosts: false });

    // Two shares never share a token.
    const again = await suite.caller().shares.create({ sessionId: importedId });
    expect(again.token).not.toBe(r.token);
  });

  it('view: the session as its owner sees it, culprit included, without the session id', async () => {
    const { token } = await suite.caller().shares.create({ sessionId: importedId });
    const view = await suite.visitor().shares.view({ token });
    const owner = await suite.caller().sessions.byId({ id: importedId });
    expect(view.session.result).toEqual(owner.session.result);
    expect(view.steps.map((s) => [s.step, s.commit.sha, s.verdict, s.position])).toEqual(owner.steps.map((s) => [s.step, s.commit.sha, s.verdict, s.position]));
    expect(view.session.bisectLog).toBe(owner.session.bisectLog);
    expect(view.session.id).toBe('shared');
    expect(JSON.stringify(view)).not.toContain(importedId);
    expect(view.share).toMatchObject({ hideHosts: false, expiresAt: null });
  });

  it('unknown, malformed, revoked and expired tokens all get the same 404', async () => {
    const unknown = await notFoundMessage(suite.visitor().shares.view({ token: randomBytes(32).toString('base64url') }));
    expect(unknown).toBe(SHARE_NOT_FOUND_MESSAGE);
    for (const bad of ['', 'x', 'a'.repeat(500), '../../etc/passwd']) {
      expect(await notFoundMessage(suite.visitor().shares.view({ token: bad }))).toBe(unknown);
    }

    const r = await suite.caller().shares.create({ sessionId: importedId });
    await suite.visitor().shares.view({ token: r.token });
    expect(await suite.caller().shares.revoke({ id: r.share.id })).toEqual({ revoked: true });
    expect(await suite.caller().shares.revoke({ id: r.share.id })).toEqual({ revoked: false });
    expect(await notFoundMessage(suite.visitor().shares.view({ token: r.token }))).toBe(unknown);
    const listed = (await suite.caller().shares.list({ sessionId: importedId })).find((s) => s.id === r.share.id);
    expect(listed?.active).toBe(false);
    expect(listed?.revokedAt).toBeInstanceOf(Date);

    const soon = await suite.caller().shares.create({ sessionId: importedId, expiresAt: new Date(Date.now() + 1200) });
    expect((await suite.visitor().shares.view({ token: soon.token })).share.expiresAt).toBeInstanceOf(Date);
    await new Promise((res) => setTimeout(res, 1400));
    expect(await notFoundMessage(suite.visitor().shares.view({ token: soon.token }))).toBe(unknown);
    expect((await suite.caller().shares.list({ sessionId: importedId })).find((s) => s.id === soon.share.id)?.active).toBe(false);

    // Streams answer the same way.
    for (const token of [r.token, soon.token, 'nope']) {
      const it = streamSharedEvents(suite.rt, token, 0, new AbortController().signal);
      await expect(it.next()).rejects.toThrow(SHARE_NOT_FOUND_MESSAGE);
    }
  });

  it('unknown and revoked tokens take about the same time (one lookup by hash either way)', async () => {
    const r = await suite.caller().shares.create({ sessionId: importedId });
    await suite.caller().shares.revoke({ id: r.share.id });
    const time = async (token: string) => {
      const t0 = performance.now();
      await suite.visitor().shares.view({ token }).catch(() => undefined);
      return performance.now() - t0;
    };
    const unknown: number[] = [];
    const revoked: number[] = [];
    for (let i = 0; i < 40; i++) {
      unknown.push(await time(randomBytes(32).toString('base64url')));
      revoked.push(await time(r.token));
    }
    const ratio = median(revoked) / median(unknown);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });

  it('a visitor without sign-in may view a shared session, and do nothing else', async () => {
    const { token, share } = await suite.caller().shares.create({ sessionId: importedId });
    expect((await suite.visitor().shares.view({ token })).session.result?.kind).toBe('culprit');
    const unauthorized = async (p: Promise<unknown>) => {
      const e = await p.then(() => null, (err: unknown) => err);
      expect((e as TRPCError | null)?.code).toBe('UNAUTHORIZED');
    };
    await unauthorized(suite.visitor().shares.create({ sessionId: importedId }));
    await unauthorized(suite.visitor().shares.list({ sessionId: importedId }));
    await unauthorized(suite.visitor().shares.revoke({ id: share.id }));
    await unauthorized(suite.visitor().sessions.import({ log: 'git bisect start\n' }));
    await unauthorized(suite.visitor().sessions.report({ id: importedId }));
  });

  it('create refuses past expiries and unknown sessions; revoke refuses unknown shares', async () => {
    await expect(suite.caller().shares.create({ sessionId: importedId, expiresAt: new Date(Date.now() - 1000) })).rejects.toThrow(/expiry is in the past/);
    await expect(suite.caller().shares.create({ sessionId: randomUUID() })).rejects.toThrow(/no session/);
    await expect(suite.caller().shares.revoke({ id: randomUUID() })).rejects.toThrow(/no share/);
  });

  describe('what a share never shows', () => {
    const host = 'buildhost.lab';
    const ip = '10.20.30.40';
    /** What the hosts registry says the host's address is. */
    const fqdn = 'bh-17.corp.example.com';
    let sessionId: string;

    beforeAll(async () => {
      await suite.handle.db.insert(hosts).values({ id: randomUUID(), name: host, address: fqdn, user: 'root', identityFile: '/home/alice/.ssh/lab_key', passphrase: 'pp-secret' });
      sessionId = randomUUID();
      await insertSession(suite.handle.db, {
        id: sessionId,
        status: 'done',
        title: 'secret-free title',
        repoPath: '/home/alice/src/linux',
        bad: 'v5.15',
        good: ['v5.10'],
        badSha: 'b'.repeat(40),
        goodShas: ['a'.repeat(40)],
        recipe: {
          phases: [
            { name: 'build', kind: 'script', on: host, run: `make -j8 && scp -i /home/alice/.ssh/id_ed25519 bzImage root@${ip}:/boot` },
            { name: 'test', kind: 'script', on: 'local', run: './repro.sh' },
          ],
        },
      });
      await recordEvents(suite.handle.db, sessionId, [
        { seq: 1, event: { type: 'sessionStarted', range: { size: 2, badSha: 'b'.repeat(40), goodShas: ['a'.repeat(40)], badPosition: 1 }, suspect: [[0, 2]], revisionsLeft: 0, stepsLeft: 0 } },
        { seq: 2, event: { type: 'stepStarted', step: 1, commit: { sha: 'c'.repeat(40), subject: 'virtio: x', author: 'A', authorEmail: 'a@x', date: new Date().toISOString() }, position: 0, revisionsLeft: 0, stepsLeft: 0 } },
        { seq: 3, event: { type: 'phaseStarted', step: 1, phase: 0, name: 'build', kind: 'script', on: host } },
        {
          seq: 4,
          event: {
            type: 'output',
            step: 1,
            phase: 0,
            stream: 'stdout',
            lines: [`ssh: connect to host ${host} (${ip}) port 22`, `resolved ${fqdn}`, 'using identity /home/alice/.ssh/id_ed25519', 'PASSWORD=hunter2', 'CC kernel/fork.o'],
          },
        },
        { seq: 5, event: { type: 'phaseFinished', step: 1, phase: 0, status: { kind: 'exited', code: 1 }, outcome: 'bad', ms: 10, reason: `lost ${host} at ${ip}` } },
        { seq: 6, event: { type: 'log', level: 'warn', message: `host ${host} (${ip}) is slow` } },
      ]);
    });

    async function everything(token: string): Promise<string> {
      const view = await suite.visitor().shares.view({ token });
      const batches = [];
      for await (const b of streamSharedEvents(suite.rt, token, 0, new AbortController().signal)) batches.push(b);
      return JSON.stringify({ view, batches });
    }

    it('never key paths or passwords, hosts shown by default', async () => {
      const { token } = await suite.caller().shares.create({ sessionId });
      const all = await everything(token);
      expect(all).not.toContain('.ssh');
      expect(all).not.toContain('id_ed25519');
      expect(all).not.toContain('hunter2');
      expect(all).not.toContain('lab_key');
      expect(all).not.toContain('pp-secret');
      expect(all).toContain('<key path>');
      expect(all).toContain(host);
      expect(all).toContain(ip);
      expect(all).toContain('/home/alice/src/linux');
      expect(all).toContain('CC kernel/fork.o');
    });

    it('with hideHosts: no host name or address anywhere, phases run on aliases', async () => {
      const { token } = await suite.caller().shares.create({ sessionId, hideHosts: true });
      const view = await suite.visitor().shares.view({ token });
      expect(view.steps[0]?.phases[0]?.on).toBe('host-1');
      expect(view.session.repoPath).toBe('linux');
      const all = await everything(token);
      expect(all).not.toContain(host);
      expect(all).not.toContain(ip);
      expect(all).not.toContain(fqdn);
      expect(all).not.toContain('/home/alice');
      expect(all).toContain('host-1');
      expect(all).toContain('<address>');
      expect(all).toContain('CC kernel/fork.o');
      // The owner still sees everything.
      expect(JSON.stringify(await suite.caller().sessions.byId({ id: sessionId }))).toContain(host);
    });

    it('never the hosts registry\'s identity files, even in error messages and the JSON export', async () => {
      const keyFile = '/srv/keys/lab-deploy';
      await suite.handle.db.insert(hosts).values({ id: randomUUID(), name: 'keyhost', address: '10.9.9.9', user: 'root', identityFile: keyFile });
      const message = `AUTH_FAILED: cannot read identity file ${keyFile}: ENOENT: no such file or directory`;
      await recordEvents(suite.handle.db, sessionId, [
        { seq: 7, event: { type: 'log', level: 'error', message } },
        { seq: 8, event: { type: 'output', step: 1, phase: 0, stream: 'stderr', lines: [message, `ls ${keyFile}.pub`] } },
      ]);
      const runtimeKey = Symbol.for('bisect-dashboard.runtime');
      (globalThis as Record<symbol, unknown>)[runtimeKey] = Promise.resolve(suite.rt);
      try {
        for (const hideHosts of [false, true]) {
          const { token } = await suite.caller().shares.create({ sessionId, hideHosts });
          const exported = await (await sharedExport(new Request(`${ORIGIN}/s/${token}/export.json`), { params: Promise.resolve({ token }) })).text();
          const log = await (await sharedPhaseLog(new Request(`${ORIGIN}/s/${token}/log?step=1&phase=0`), { params: Promise.resolve({ token }) })).text();
          const all = `${await everything(token)}${exported}${log}`;
          expect(all).not.toContain(keyFile);
          expect(all).not.toContain('/srv/keys');
          expect(all).toContain('cannot read identity file <key path>: ENOENT');
          expect(log).toContain('ls <key path>.pub');
        }
      } finally {
        delete (globalThis as Record<symbol, unknown>)[runtimeKey];
      }
    });
  });

  it('a running session is watchable live through its link, and revoking ends the stream', async () => {
    const { id } = await startScript('for i in 1 2 3; do echo "tick $i"; sleep 0.3; done; test ! -e BUG');
    const { token, share } = await suite.caller().shares.create({ sessionId: id });
    const ctl = new AbortController();
    const seen: number[] = [];
    let liveLines = 0;
    const it = streamSharedEvents(suite.rt, token, 0, ctl.signal, 100);
    for await (const b of it) {
      seen.push(...b.events.map((e) => e.seq));
      for (const e of b.events) if (e.payload.type === 'output') liveLines += e.payload.lines.length;
      if (liveLines >= 3) break;
    }
    // Lines arrived while the bisect was still running.
    expect((await suite.caller().sessions.byId({ id })).session.status).toBe('running');
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));

    // Resume after the last seen event, then revoke: the stream ends with the 404.
    const resumed = streamSharedEvents(suite.rt, token, seen.at(-1) ?? 0, ctl.signal, 100);
    const first = await resumed.next();
    expect(first.done).toBe(false);
    if (!first.done) expect(first.value.events[0]?.seq).toBe((seen.at(-1) ?? 0) + 1);
    await suite.caller().shares.revoke({ id: share.id });
    const t0 = Date.now();
    await expect(
      (async () => {
        for (;;) {
          const n = await resumed.next();
          if (n.done) return 'ended';
        }
      })(),
    ).rejects.toThrow(SHARE_NOT_FOUND_MESSAGE);
    expect(Date.now() - t0).toBeLessThan(5000);
    await suite.caller().sessions.cancel({ id });
  });

  it('a finished run: the shared stream carries the same events as the owner stream', async () => {
    const { id } = await startScript('echo hi; test ! -e BUG');
    for (let i = 0; i < 300 && (await suite.caller().sessions.byId({ id })).session.status === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const { token } = await suite.caller().shares.create({ sessionId: id });
    const owner = [];
    for await (const b of streamSessionEvents(suite.rt, id, 0, new AbortController().signal)) owner.push(...b.events);
    const shared = [];
    for await (const b of streamSharedEvents(suite.rt, token, 0, new AbortController().signal)) shared.push(...b.events);
    expect(shared.map((e) => e.seq)).toEqual(owner.map((e) => e.seq));
    expect(shared.at(-1)?.payload.type).toBe('sessionFinished');
    const view = await suite.visitor().shares.view({ token });
    expect(view.session.result?.kind === 'culprit' && view.session.result.commit.sha).toBe(repo.culpritSha);
  });
});
