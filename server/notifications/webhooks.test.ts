/**
 * Webhooks end to end on a real database, real git and a real HTTP receiver on
 * 127.0.0.1: the outbox is filled when a session's status is recorded, and a
 * deliverer drains it (signature, retry after a 500, visibility, event filter).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { insertUser } from '../../db/queries/auth';
import { recordEvents } from '../../db/queries/events';
import { getSession, insertSession } from '../../db/queries/sessions';
import { webhooks as webhooksTable } from '../../db/schema';
import { dbKind, openTestDb } from '../../test/db';
import { appRouter } from '../api/root';
import { createCallerFactory } from '../api/trpc';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { makeTempDir, removeDir } from '../engine/testing/scripts';
import { createRuntime, type Runtime } from '../runtime';
import { SecretBox } from '../secrets/box';
import { WebhookDeliverer } from './deliverer';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = 'a-long-enough-webhook-secret';
const factory = createCallerFactory(appRouter);
let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let repo: GeneratedRepo;
let server: Server;
let base: string;
let received: Received[] = [];
/** Status codes the receiver answers with, in order; then 200. */
let answers: number[] = [];
let deliverer: WebhookDeliverer;
let admin: ReturnType<typeof factory>;
let other: ReturnType<typeof factory>;

beforeAll(async () => {
  tmp = await makeTempDir('webhooks-');
  handle = await openTestDb();
  rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined, dashboardPassword: 'correct horse battery' }, db: handle });
  // This test drains the outbox itself, with short backoff and timeouts.
  await rt.webhookDeliverer?.stop();
  deliverer = new WebhookDeliverer({
    db: handle.db,
    secretBox: await SecretBox.open(tmp),
    baseUrl: 'https://bisect.lab.example',
    backoffMs: 50,
    maxAttempts: 3,
    send: { timeoutMs: 500 },
  });
  const adminPrincipal = await rt.auth.authenticate({ cookie: (await rt.auth.signIn('correct horse battery', 'test')).cookieValue });
  if (!adminPrincipal) throw new Error('no admin');
  admin = factory({ runtime: rt, principal: adminPrincipal, sameOrigin: true });
  const otherId = randomUUID();
  await insertUser(handle.db, { id: otherId, name: 'colleague', passwordHash: 'x' });
  const token = (await rt.auth.createToken(otherId, 'ci')).token;
  other = factory({ runtime: rt, principal: await rt.auth.authenticate({ bearer: token }), sameOrigin: true });
  repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 8, culprit: 5, tags: { v1: 0 } });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      }
      const code = answers.shift() ?? 200;
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code === 200 ? 'ok' : 'receiver broke');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await deliverer.stop();
  await rt.shutdown();
  await handle.close();
  await removeDir(tmp);
});
beforeEach(() => {
  received = [];
  answers = [];
});

async function finished(id: string): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const s = await getSession(handle.db, id);
    if (s && s.status !== 'running' && !rt.sessions.isRunning(id)) return;
  }
  throw new Error('session did not finish');
}

/** Drains until nothing is due for `settleMs` (retries come due after their backoff). */
async function drain(settleMs = 400): Promise<void> {
  for (let idle = Date.now(); Date.now() - idle < settleMs; await new Promise((r) => setTimeout(r, 25))) {
    if ((await deliverer.drainOnce()) > 0) idle = Date.now();
  }
}

const bisect = (caller: typeof admin) =>
  caller.sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v1'], recipe: { phases: [{ name: 't', kind: 'script', run: 'test ! -e BUG' }] } });

const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`));

describe(`webhooks (${dbKind()})`, () => {
  it('signs the body, retries after a 500, and tells no one about sessions their owner cannot see', async () => {
    const mine = await admin.webhooks.create({ url: `${base}/admin`, events: ['done'], secret: SECRET });
    expect(mine.secret).toBe(SECRET);
    const failedOnly = await admin.webhooks.create({ url: `${base}/failed-only`, events: ['failed'], secret: SECRET });
    const theirs = await other.webhooks.create({ url: `${base}/colleague`, events: ['done', 'failed'], secret: SECRET });
    answers = [500];

    const { id } = await bisect(admin);
    await finished(id);
    await drain();

    const toAdmin = received.filter((r) => r.path === '/admin');
    expect(toAdmin).toHaveLength(2); // the 500, then the retry
    expect(toAdmin[0]?.body).toBe(toAdmin[1]?.body); // a retry sends the same bytes
    for (const r of toAdmin) {
      expect(r.headers['x-bisect-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
      expect(r.headers['x-bisect-event']).toBe('done');
    }
    const body = JSON.parse(toAdmin[0]?.body ?? '{}');
    expect(body).toMatchObject({
      event: 'done',
      session: { id, status: 'done', url: `https://bisect.lab.example/sessions/${id}` },
      culprit: { sha: repo.culpritSha },
      confidence: 1,
      shareUrl: null,
    });
    // Not listening for `done`, and not allowed to see the admin's session.
    expect(received.filter((r) => r.path === '/failed-only' || r.path === '/colleague')).toEqual([]);

    const log = await admin.webhooks.deliveries({ id: mine.webhook.id });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'delivered', event: 'done', sessionId: id, attempts: 2 });
    expect(log[0]?.attemptLog.map((a) => [a.statusCode, a.responseExcerpt])).toEqual([[500, 'receiver broke'], [200, 'ok']]);
    expect(await admin.webhooks.deliveries({ id: failedOnly.webhook.id })).toEqual([]);
    expect(await other.webhooks.deliveries({ id: theirs.webhook.id })).toEqual([]);

    // The colleague's own session reaches the colleague (and the admin, who sees everything).
    received = [];
    const second = await bisect(other);
    await finished(second.id);
    await drain();
    expect(received.map((r) => r.path).sort()).toEqual(['/admin', '/colleague']);
    for (const hook of [mine.webhook.id, failedOnly.webhook.id]) await admin.webhooks.delete({ id: hook });
    await other.webhooks.delete({ id: theirs.webhook.id });
  });

  it('notifies a pause only when an infrastructure error caused it, in the transaction that records it', async () => {
    const hook = await admin.webhooks.create({ url: `${base}/paused`, events: ['paused'], format: 'slack', secret: SECRET });
    const id = randomUUID();
    await insertSession(handle.db, { id, status: 'running', title: 'paused one', repoPath: repo.dir, bad: 'main', good: ['v1'], badSha: 'b', goodShas: ['g'], recipe: { phases: [] } as never });
    await recordEvents(handle.db, id, [{ seq: 1, event: { type: 'sessionPaused' } }]); // a person paused it
    await recordEvents(handle.db, id, [{ seq: 2, event: { type: 'sessionPaused', reason: 'host builder unreachable: ECONNREFUSED' } }]);
    await drain(100);
    expect(received).toHaveLength(1);
    const text = JSON.parse(received[0]?.body ?? '{}').text as string;
    expect(text).toContain('"paused one" paused on an infrastructure error (host builder unreachable: ECONNREFUSED)');
    expect(text).toContain(`<https://bisect.lab.example/sessions/${id}|session>`);
    await admin.webhooks.delete({ id: hook.webhook.id });
  });

  it('keeps the secret sealed, never returns it, and sends a test message', async () => {
    const created = await admin.webhooks.create({ url: `${base}/test`, events: ['done'], format: 'matrix' });
    expect(created.secret.length).toBeGreaterThanOrEqual(16); // made for the caller, shown once
    const listed = await admin.webhooks.list();
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed[0]).not.toHaveProperty('secret');
    const stored = await handle.db.select({ secret: webhooksTable.secret }).from(webhooksTable);
    expect(stored[0]?.secret.startsWith('sealed:')).toBe(true);
    expect(stored[0]?.secret).not.toContain(created.secret);

    await admin.webhooks.test({ id: created.webhook.id });
    await drain(100);
    expect(JSON.parse(received[0]?.body ?? '{}')).toEqual({ msgtype: 'm.text', body: expect.stringContaining('test notification') });
    expect(received[0]?.headers['x-bisect-signature']).toBe(`sha256=${createHmac('sha256', created.secret).update(received[0]?.body ?? '').digest('hex')}`);

    // Updating without a secret keeps it; another user cannot see or change this webhook.
    await admin.webhooks.update({ id: created.webhook.id, events: ['done', 'failed'] });
    expect(await codeOf(other.webhooks.update({ id: created.webhook.id, enabled: false }))).toBe('NOT_FOUND');
    expect(await codeOf(other.webhooks.test({ id: created.webhook.id }))).toBe('NOT_FOUND');
    expect(await other.webhooks.list()).toEqual([]);
    await admin.webhooks.delete({ id: created.webhook.id });
  });

  it('does not follow redirects, gives up on a receiver that never answers, and stops after the last attempt', async () => {
    const redirect = await admin.webhooks.create({ url: `${base}/redirect`, events: ['done'], secret: SECRET });
    const slow = await admin.webhooks.create({ url: `${base}/slow`, events: ['done'], secret: SECRET });
    await admin.webhooks.test({ id: redirect.webhook.id });
    await admin.webhooks.test({ id: slow.webhook.id });
    await drain(400);
    const [r] = await admin.webhooks.deliveries({ id: redirect.webhook.id });
    expect(r).toMatchObject({ status: 'failed', attempts: 3 });
    expect(r?.attemptLog[0]).toMatchObject({ statusCode: 302, error: 'redirect to /elsewhere not followed' });
    expect(received.filter((x) => x.path === '/elsewhere')).toEqual([]);
    const [s] = await admin.webhooks.deliveries({ id: slow.webhook.id });
    expect(s).toMatchObject({ status: 'failed', attempts: 3 });
    expect(s?.attemptLog.map((a) => a.error)).toEqual(Array(3).fill('no answer within 0.5 s'));
    for (const w of [redirect, slow]) await admin.webhooks.delete({ id: w.webhook.id });
  });

  it('two senders draining one outbox at once send each delivery once (claims skip locked rows)', async () => {
    const hook = await admin.webhooks.create({ url: `${base}/many`, events: ['done'], secret: SECRET });
    for (let i = 0; i < 8; i++) await admin.webhooks.test({ id: hook.webhook.id });
    const second = new WebhookDeliverer({ db: handle.db, secretBox: await SecretBox.open(tmp), baseUrl: 'https://x', concurrency: 2 });
    await Promise.all([deliverer.drainOnce(), second.drainOnce(), deliverer.drainOnce(), second.drainOnce()]);
    const ids = received.map((r) => r.headers['x-bisect-delivery']);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    await admin.webhooks.delete({ id: hook.webhook.id });
  });

  it('refuses bad input with a message, never a 500', async () => {
    const bad = async (input: Parameters<typeof admin.webhooks.create>[0], message: RegExp) => {
      const e = await admin.webhooks.create(input).then(() => null, (x: unknown) => x as TRPCError);
      expect(e?.code).toBe('BAD_REQUEST');
      expect(e?.message).toMatch(message);
    };
    await bad({ url: 'ftp://example.org/x', events: ['done'] }, /http:\/\/ or https:\/\//);
    await bad({ url: 'https://user:pw@example.org/x', events: ['done'] }, /user name or password/);
    await bad({ url: 'not a url', events: ['done'] }, /is not a URL/);
    await bad({ url: `https://example.org/${'a'.repeat(3000)}`, events: ['done'] }, /longer than 2048/);
    await bad({ url: 'https://example.org/x', events: [] }, /at least one event/);
    await bad({ url: 'https://example.org/x', events: ['done'], secret: 'short' }, /at least 16 characters/);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await codeOf(admin.webhooks.update({ id: unknown, enabled: false }))).toBe('NOT_FOUND');
    expect(await codeOf(admin.webhooks.delete({ id: unknown }))).toBe('NOT_FOUND');
    expect(await codeOf(admin.webhooks.deliveries({ id: unknown }))).toBe('NOT_FOUND');
    expect(await codeOf(admin.webhooks.test({ id: 'not-a-uuid' }))).toBe('BAD_REQUEST');
  });
});
