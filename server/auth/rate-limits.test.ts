/**
 * Rate limits as an attacker meets them, through the real route handlers:
 * forwarding headers do not make new clients unless TRUST_PROXY says so,
 * parallel and batched sign-ins are evaluated at most up to the limit, and the
 * share page counts toward the share-lookup limit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { answerClientError, guardServer } from '../../scripts/http-guard.mjs';
import { openTestDb } from '../../test/db';
import { codeOf, installRuntime, trpcRequest } from '../../test/http';
import { createRuntime, type Runtime } from '../runtime';
import { loadSharePage } from '../shares/page';
import { clientKey, PEER_HEADER, UNKNOWN_CLIENT } from './http';

const PASSWORD = 'correct horse battery';
/** Sign-ins a client gets before it must wait: the limiter's free attempts plus the one that sets the wait. */
const EVALUATED_BEFORE_WAIT = 6;
const GUARD_FLAG = Symbol.for('bisect-dashboard.http-guard');

let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let uninstall: () => void;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rate-limits-'));
  handle = await openTestDb();
  rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined, dashboardPassword: PASSWORD }, db: handle });
  uninstall = installRuntime(rt);
});
afterAll(async () => {
  uninstall();
  await rt.shutdown();
  await handle.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Runs `fn` as if the HTTP guard of scripts/start.mjs were loaded (PEER_HEADER believed). */
async function withGuard<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<symbol, unknown>;
  g[GUARD_FLAG] = true;
  try {
    return await fn();
  } finally {
    delete g[GUARD_FLAG];
  }
}

const signIn = (password: string, headers: Record<string, string>) => trpcRequest('POST', ['auth.signIn'], [{ password }], headers);

describe('clientKey', () => {
  const req = (headers: Record<string, string>) => new Request('http://x/', { headers });

  it('ignores forwarding headers unless TRUST_PROXY is set', () => {
    const keys = ['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((ip) => clientKey(req({ 'x-forwarded-for': ip, 'x-real-ip': ip })));
    expect(new Set(keys)).toEqual(new Set([UNKNOWN_CLIENT]));
  });

  it('reads Next.js page headers, whose object also carries a plain `headers` field (a 500 on /s/<token> before)', async () => {
    // next/headers' ReadonlyHeaders (HeadersAdapter) keeps the raw header object in `.headers`.
    const adapter = Object.assign(new Headers({ [PEER_HEADER]: '10.0.0.8' }), { headers: { [PEER_HEADER]: '10.0.0.8' } });
    expect(() => clientKey(adapter)).not.toThrow();
    await withGuard(async () => expect(clientKey(adapter)).toBe('ip:10.0.0.8'));
  });

  it('uses the peer address the guard sets, and only when the guard is loaded', async () => {
    expect(clientKey(req({ [PEER_HEADER]: '10.0.0.7' }))).toBe(UNKNOWN_CLIENT);
    await withGuard(async () => {
      expect(clientKey(req({ [PEER_HEADER]: '10.0.0.7', 'x-forwarded-for': '9.9.9.9' }))).toBe('ip:10.0.0.7');
      expect(clientKey(new Headers({ [PEER_HEADER]: '::1' }))).toBe('ip:::1');
    });
  });

  it('with TRUST_PROXY=N, takes the N-th address from the right of X-Forwarded-For (what the nearest trusted proxy saw)', () => {
    const h = { 'x-forwarded-for': 'spoofed, 203.0.113.9, 10.0.0.2', 'x-real-ip': '198.51.100.1' };
    expect(clientKey(req(h), 1)).toBe('ip:10.0.0.2');
    expect(clientKey(req(h), 2)).toBe('ip:203.0.113.9');
    expect(clientKey(req(h), 5)).toBe('ip:spoofed');
    expect(clientKey(req({ 'x-real-ip': '198.51.100.1' }), 1)).toBe('ip:198.51.100.1');
    expect(clientKey(req({}), 1)).toBe(UNKNOWN_CLIENT);
  });
});

describe('sign-in limits through the API', () => {
  it('rotating X-Forwarded-For / X-Real-IP headers are one client: 8 wrong passwords, at most 6 evaluated', async () => {
    await withGuard(async () => {
      const codes: string[] = [];
      for (let i = 0; i < 8; i++) {
        const ip = `198.51.100.${i}`;
        codes.push(codeOf(await signIn(`guess ${i}`, { [PEER_HEADER]: '192.0.2.1', 'x-forwarded-for': ip, 'x-real-ip': ip })));
      }
      expect(codes.filter((c) => c === 'UNAUTHORIZED').length).toBeLessThanOrEqual(EVALUATED_BEFORE_WAIT);
      expect(codes.at(-1)).toBe('TOO_MANY_REQUESTS');
      // Another address is another client.
      expect(codeOf(await signIn(PASSWORD, { [PEER_HEADER]: '192.0.2.2' }))).toBe('OK');
    });
  });

  it('30 parallel wrong passwords: at most 6 are checked, the rest wait', async () => {
    await withGuard(async () => {
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(`parallel ${i}`, { [PEER_HEADER]: '192.0.2.30' })));
      const codes = replies.map(codeOf);
      expect(codes.filter((c) => c === 'UNAUTHORIZED').length).toBeLessThanOrEqual(EVALUATED_BEFORE_WAIT);
      expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThanOrEqual(30 - EVALUATED_BEFORE_WAIT);
    });
  });

  it('a batch holding auth.signIn is refused before any password is checked', async () => {
    await withGuard(async () => {
      const headers = { [PEER_HEADER]: '192.0.2.40' };
      const forty = await trpcRequest('POST', Array(40).fill('auth.signIn'), Array.from({ length: 40 }, (_, i) => ({ password: `batch ${i}` })), headers);
      const results = forty.body as Array<{ error?: { json: { message: string; data: { code: string } } } }>;
      expect(results).toHaveLength(40);
      for (const r of results) {
        expect(r.error?.json.data.code).toBe('BAD_REQUEST');
        expect(r.error?.json.message).toMatch(/cannot be batched/);
      }
      const mixed = await trpcRequest('POST', ['auth.signOut', 'auth.signIn'], [undefined, { password: PASSWORD }], headers);
      expect((mixed.body as Array<{ error?: { json: { data: { code: string } } } }>)[1]?.error?.json.data.code).toBe('BAD_REQUEST');
      // Nothing was counted against the client, and sign-in alone (as the browser sends it, a batch of one) works.
      const alone = await trpcRequest('POST', ['auth.signIn'], [{ password: PASSWORD }], headers);
      expect(codeOf(alone)).toBe('OK');
      const ofOne = await trpcRequest('POST', ['auth.signIn'], [{ password: PASSWORD }], headers, { batch: true });
      expect(ofOne.status).toBe(200);
      expect((ofOne.body as Array<{ result?: unknown }>)[0]?.result).toBeTruthy();
    });
  });
});

describe('share lookups', () => {
  it('the /s/<token> page counts: 130 parallel page loads, at most 120 look a token up', async () => {
    await withGuard(async () => {
      const headers = new Headers({ [PEER_HEADER]: '192.0.2.50' });
      const loads = await Promise.all(Array.from({ length: 130 }, (_, i) => loadSharePage(`guess-${i}`, headers)));
      const kinds = loads.map((l) => l.kind);
      expect(kinds.filter((k) => k === 'notFound').length).toBeLessThanOrEqual(120);
      expect(kinds.filter((k) => k === 'limited').length).toBeGreaterThanOrEqual(10);
      // The same limit covers the API and the share routes.
      const view = await trpcRequest('GET', ['shares.view'], [{ token: 'x' }], { [PEER_HEADER]: '192.0.2.50' });
      expect(codeOf(view)).toBe('TOO_MANY_REQUESTS');
      const { GET } = await import('../../app/s/[token]/export.json/route');
      const route = await GET(new Request('http://127.0.0.1:3000/s/x/export.json', { headers }), { params: Promise.resolve({ token: 'x' }) });
      expect(route.status).toBe(429);
      // Another client is not affected.
      const other = await loadSharePage('guess', new Headers({ [PEER_HEADER]: '192.0.2.51' }));
      expect(other.kind).toBe('notFound');
    });
  });
});

describe('HTTP guard', () => {
  let server: http.Server;
  let port = 0;

  beforeAll(async () => {
    server = guardServer(http.createServer((req, res) => res.end(`peer=${req.headers[PEER_HEADER]}`)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Writes `request` on a raw socket; resolves with everything read, or rejects on a reset. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(request));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('error', reject);
      s.on('close', () => resolve(got));
    });

  it('replaces a client-sent peer header with the socket address', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_HEADER]: 'spoofed' } });
    expect(await res.text()).toBe('peer=127.0.0.1');
  });

  it('answers a 100 KB query string with a 431 and a reason, not a reset, and keeps serving', async () => {
    const reply = await raw(`GET /?q=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(reply).toContain('request line and headers too large');
    const big = await fetch(`http://127.0.0.1:${port}/?q=${'b'.repeat(1_000_000)}`);
    expect(big.status).toBe(431);
    expect(await raw('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('answers each broken connection once', () => {
    const writes: string[] = [];
    const socket = Object.assign(new net.Socket(), { writable: true });
    socket.end = ((chunk: string) => {
      writes.push(chunk);
      return socket;
    }) as typeof socket.end;
    const err = Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW' });
    answerClientError(err, socket);
    answerClientError(err, socket);
    expect(writes).toHaveLength(1);
    socket.destroy();
  });
});
