/**
 * Access matrix: every tRPC procedure, called as anonymous, with a bad token,
 * a revoked token, a valid token, and (for share procedures) a share token.
 * The table below is the decision per procedure; a procedure added without a
 * decision fails this test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { openTestDb } from '../../test/db';
import { bearerToken } from '../auth/http';
import type { Principal } from '../auth/service';
import { generateRepo } from '../engine/testing/repo';
import { createRuntime, type Runtime } from '../runtime';
import { appRouter } from './root';
import { createCallerFactory } from './trpc';

type Access = 'anonymous' | 'user' | 'share';

const DECISIONS: Record<string, Access> = {
  'auth.status': 'anonymous',
  'auth.signIn': 'anonymous',
  'auth.signOut': 'user',
  'auth.tokens.list': 'user',
  'auth.tokens.create': 'user',
  'auth.tokens.revoke': 'user',
  'sessions.create': 'user',
  'sessions.demo': 'user',
  'sessions.list': 'user',
  'sessions.byId': 'user',
  'sessions.samples': 'user',
  'sessions.cancel': 'user',
  'sessions.pause': 'user',
  'sessions.resume': 'user',
  'sessions.retry': 'user',
  'sessions.markStep': 'user',
  'sessions.undo': 'user',
  'sessions.import': 'user',
  'sessions.report': 'user',
  'sessions.stepConfigs': 'user',
  'sessions.stepConfig': 'user',
  'sessions.configDiff': 'user',
  'sessions.buildCaches': 'user',
  'sessions.events': 'user',
  'hosts.list': 'user',
  'hosts.create': 'user',
  'hosts.update': 'user',
  'hosts.remove': 'user',
  'hosts.test': 'user',
  'hosts.acceptKey': 'user',
  'shares.create': 'user',
  'shares.list': 'user',
  'runners.list': 'user',
  'shares.revoke': 'user',
  'webhooks.list': 'user',
  'webhooks.create': 'user',
  'webhooks.update': 'user',
  'webhooks.delete': 'user',
  'webhooks.deliveries': 'user',
  'webhooks.test': 'user',
  'shares.view': 'share',
  'shares.events': 'share',
};

const DENIED = new Set(['UNAUTHORIZED', 'FORBIDDEN']);
const factory = createCallerFactory(appRouter);
let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let sessionId: string;
let validToken: string;
let revokedToken: string;
let shareToken: string;

/** Calls a procedure by its dotted path with `input`; returns the tRPC error code, or 'OK'. */
async function call(principal: Principal | null, procPath: string, input: unknown): Promise<string> {
  let fn: unknown = factory({ runtime: rt, principal, sameOrigin: true });
  for (const part of procPath.split('.')) fn = (fn as Record<string, unknown>)[part];
  try {
    const result = await (fn as (i: unknown) => Promise<unknown>)(input);
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      const it = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      await Promise.race([it.next(), new Promise((r) => setTimeout(r, 300))]);
      await it.return?.();
    }
    return 'OK';
  } catch (error) {
    return error instanceof TRPCError ? error.code : `THREW ${String(error)}`;
  }
}

const principalOf = (token: string | null) =>
  rt.auth.authenticate({ bearer: token ? bearerToken(new Request('http://x/', { headers: { authorization: `Bearer ${token}` } })) : null });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'access-'));
  handle = await openTestDb();
  rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined, dashboardPassword: 'correct horse battery' }, db: handle });
  const admin = await rt.auth.authenticate({ cookie: (await rt.auth.signIn('correct horse battery', 'test')).cookieValue });
  if (!admin) throw new Error('no admin');
  validToken = (await rt.auth.createToken(admin.userId, 'valid')).token;
  const revoked = await rt.auth.createToken(admin.userId, 'revoked');
  revokedToken = revoked.token;
  await rt.auth.revokeToken(admin.userId, revoked.id);
  const repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 20, culprit: 10, tags: { v1: 0 } });
  sessionId = (await rt.sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v1'], recipe: { phases: [{ name: 't', kind: 'script', run: 'test ! -e BUG' }] } })).id;
  shareToken = (await factory({ runtime: rt, principal: admin }).shares.create({ sessionId })).token;
});
afterAll(async () => {
  await rt.shutdown();
  await handle.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Inputs that pass validation, so the answer reflects access and not the input. */
function inputFor(p: string): unknown {
  if (p.startsWith('shares.view') || p.startsWith('shares.events')) return { token: shareToken };
  if (p === 'auth.signIn') return { password: 'correct horse battery' };
  if (p === 'auth.tokens.create') return { name: 'from the matrix' };
  if (p === 'auth.tokens.revoke' || p === 'hosts.remove' || p === 'hosts.test' || p === 'hosts.acceptKey' || p === 'shares.revoke') {
    return { id: '00000000-0000-4000-8000-000000000000', fingerprint: 'SHA256:x' };
  }
  if (p === 'webhooks.create') return { url: 'http://127.0.0.1:9/hook', events: ['done'] };
  if (p.startsWith('webhooks.')) return { id: '00000000-0000-4000-8000-000000000000' };
  if (p === 'sessions.undo') return { id: sessionId, step: 1, verdict: 'skip' };
  if (p === 'sessions.markStep') return { id: sessionId, verdict: 'skip' };
  if (p === 'sessions.import') return { log: 'not a log' };
  if (p === 'sessions.stepConfig') return { id: sessionId, step: 1 };
  if (p === 'sessions.configDiff') return { id: sessionId, step: 1, against: 1 };
  if (p === 'shares.create' || p === 'shares.list') return { sessionId };
  if (p === 'hosts.create' || p === 'hosts.update') return { id: '00000000-0000-4000-8000-000000000000', name: 'matrix', address: '127.0.0.1', port: 1 };
  return { id: sessionId };
}

describe('access matrix', () => {
  it('has a decision for every procedure, and no stale one', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures).toEqual(Object.keys(DECISIONS).sort());
  });

  for (const [procPath, access] of Object.entries(DECISIONS)) {
    it(`${procPath}: ${access}`, async () => {
      const input = inputFor(procPath);
      const anonymous = await call(null, procPath, input);
      const bad = await call(await principalOf('bd_not-a-real-token'), procPath, input);
      const revoked = await call(await principalOf(revokedToken), procPath, input);
      const valid = await call(await principalOf(validToken), procPath, input);
      if (access === 'user') {
        expect([anonymous, bad, revoked]).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
        expect(DENIED.has(valid), `valid token got ${valid}`).toBe(false);
      } else {
        for (const code of [anonymous, bad, revoked, valid]) expect(DENIED.has(code), `${procPath} got ${code}`).toBe(false);
      }
      if (access === 'share') {
        expect(anonymous).toBe('OK');
        expect(await call(null, procPath, { token: 'A'.repeat(43) })).toBe('NOT_FOUND');
      }
    });
  }

  it('refuses cross-site mutations even with a valid session', async () => {
    const principal = await principalOf(validToken);
    const cross = factory({ runtime: rt, principal, sameOrigin: false });
    await expect(cross.sessions.cancel({ id: sessionId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(cross.auth.signIn({ password: 'correct horse battery' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('rate limits share-token lookups per client', async () => {
    const guesser = factory({ runtime: rt, principal: null, client: 'guesser', sameOrigin: true });
    const codes: string[] = [];
    for (let i = 0; i < 125; i++) {
      codes.push(await guesser.shares.view({ token: `guess-${i}` }).then(() => 'OK', (e: TRPCError) => e.code));
    }
    expect(codes.slice(0, 100).every((c) => c === 'NOT_FOUND')).toBe(true);
    expect(codes.at(-1)).toBe('TOO_MANY_REQUESTS');
    const other = factory({ runtime: rt, principal: null, client: 'someone-else', sameOrigin: true });
    await expect(other.shares.view({ token: shareToken })).resolves.toBeTruthy();
  });
});
