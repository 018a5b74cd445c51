/**
 * Bad input over the whole HTTP surface: every tRPC procedure (through the
 * real /api/trpc route handler, so error formatting and status codes are the
 * ones clients get) and every route handler (behind the proxy, as Next.js runs
 * them), on the real database. Each request must answer with a status below
 * 500, never with SQL or an internal error, within a time limit; afterwards
 * the server still answers. Table-driven: inputs are listed, not random, so a
 * failure names its request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { proxy } from '../../proxy';
import { openTestDb } from '../../test/db';
import { BASE_URL, installRuntime } from '../../test/http';
import { GET as ownerBisectLog } from '../../app/api/sessions/[id]/bisect.log/route';
import { GET as ownerExport } from '../../app/api/sessions/[id]/export.json/route';
import { GET as ownerLog } from '../../app/api/sessions/[id]/log/route';
import { GET as trpcGet, POST as trpcPost } from '../../app/api/trpc/[trpc]/route';
import { GET as sharedBisectLog } from '../../app/s/[token]/bisect.log/route';
import { GET as sharedExport } from '../../app/s/[token]/export.json/route';
import { GET as sharedLog } from '../../app/s/[token]/log/route';
import { PEER_HEADER } from '../auth/http';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { createRuntime, type Runtime } from '../runtime';
import { loadSharePage } from '../shares/page';
import { shareServiceOf } from '../shares/runtime';
import { appRouter } from './root';

const TOKEN = 'bad-input-api-token-0123456789';
const PASSWORD = 'bad input admin password';
/** Longest a request may take to answer (streams: to send their first bytes). */
const REQUEST_MS = 10_000;
/** How long a stream is read before it is cancelled. */
const STREAM_READ_MS = 250;
const GUARD_FLAG = Symbol.for('bisect-dashboard.http-guard');
/** What must never reach a client. */
const LEAKS = /INTERNAL_SERVER_ERROR|Failed query|params:|\bat async\b|node_modules/;

let tmp: string;
let handle: DbHandle;
let rt: Runtime;
let uninstall: () => void;
let repo: GeneratedRepo;
let sessionId: string;
let shareToken: string;
let peers = 0;

/** A fresh client address per request, so rate limits stay out of the way of what is tested. */
const freshPeer = (): Record<string, string> => ({ [PEER_HEADER]: `198.18.${Math.floor(peers / 250) % 250}.${peers++ % 250}` });
const signedIn = (): Record<string, string> => ({ authorization: `Bearer ${TOKEN}`, ...freshPeer() });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bad-input-'));
  handle = await openTestDb();
  rt = await createRuntime({
    config: { port: 0, host: '127.0.0.1', dataDir: tmp, databaseUrl: undefined, dashboardPassword: PASSWORD, dashboardToken: TOKEN },
    db: handle,
  });
  uninstall = installRuntime(rt);
  (globalThis as Record<symbol, unknown>)[GUARD_FLAG] = true;
  repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 12, culprit: 6, tags: { v1: 0 } });
  const created = await rt.sessions.create({ repoPath: repo.dir, bad: 'main', good: ['v1'], recipe: { phases: [{ name: 't', kind: 'script', run: 'echo hi; test ! -e BUG' }] } });
  sessionId = created.id;
  shareToken = (await shareServiceOf(rt).create({ sessionId })).token;
}, 60_000);

afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[GUARD_FLAG];
  uninstall();
  await rt.shutdown();
  await handle.close();
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- inputs

/** Values that are wrong almost anywhere: types, sizes, numbers, text that cannot be stored. */
function hostileValues(): Array<[string, unknown]> {
  return [
    ['null', null],
    ['true', true],
    ['zero', 0],
    ['negative', -1],
    ['fraction', 1.5],
    ['2^31', 2 ** 31],
    ['2^53+2', 2 ** 53 + 2],
    ['1e308', 1e308],
    ['-1e308', -1e308],
    ['"NaN"', 'NaN'],
    ['"Infinity"', 'Infinity'],
    ['"-0"', '-0'],
    ['digits string', '99999999999999999999999'],
    ['empty string', ''],
    ['NUL string', 'a\u0000b'],
    ['lone surrogate', 'a\ud800b'],
    ['unicode', 'é漢字🙂\u202e\u200b'],
    ['percent garbage', '%ff%fe%00'],
    ['path traversal', '../../../../etc/passwd'],
    ['pathspec magic', ':(foo)x'],
    ['100 KB string', 'x'.repeat(100_000)],
    ['empty array', []],
    ['array', [1, 'two', null]],
    ['100k array', new Array(100_000).fill(0)],
    ['empty object', {}],
    ['nested object', { a: { b: { c: { d: 'e' } } } }],
    ['__proto__ key', JSON.parse('{"__proto__":{"polluted":true}}')],
    ['deep nesting', JSON.parse('['.repeat(2000) + ']'.repeat(2000))],
  ];
}

/** An input that passes validation, per procedure, to mutate field by field. */
function validInput(proc: string): Record<string, unknown> | null {
  const uuid = '00000000-0000-4000-8000-000000000000';
  const table: Record<string, Record<string, unknown>> = {
    'auth.signIn': { password: 'not the password' },
    'auth.tokens.create': { name: 'bad input' },
    'auth.tokens.revoke': { id: uuid },
    'sessions.create': { repoPath: repo.dir, bad: 'main', good: ['v1'], recipe: { phases: [{ name: 't', kind: 'script', run: 'true' }] } },
    'sessions.byId': { id: sessionId },
    'sessions.samples': { id: sessionId, step: 1, phase: 0 },
    'sessions.cancel': { id: uuid },
    'sessions.pause': { id: uuid },
    'sessions.resume': { id: uuid },
    'sessions.retry': { id: uuid },
    'sessions.markStep': { id: uuid, verdict: 'skip' },
    'sessions.undo': { id: sessionId, step: 1, verdict: 'skip' },
    'sessions.import': { log: 'git bisect start\n' },
    'sessions.report': { id: sessionId },
    'sessions.events': { id: sessionId, lastEventId: '0' },
    'hosts.create': { name: 'bad-input-host', address: '127.0.0.1', port: 1 },
    'hosts.update': { id: uuid, name: 'bad-input-host' },
    'hosts.remove': { id: uuid },
    'hosts.test': { id: uuid },
    'hosts.acceptKey': { id: uuid, fingerprint: 'SHA256:x' },
    'shares.create': { sessionId },
    'shares.list': { sessionId },
    'shares.revoke': { id: uuid },
    'shares.view': { token: shareToken },
    'shares.events': { token: shareToken, lastEventId: '0' },
    'webhooks.create': { url: 'http://127.0.0.1:9/hook', events: ['done'], secret: 'bad-input-secret-0123' },
    'webhooks.update': { id: uuid, url: 'http://127.0.0.1:9/hook' },
  };
  return table[proc] ?? null;
}

/** Inputs the issue found answered with a 500, and neighbours of them. */
function knownCases(): Array<[string, unknown]> {
  const main = repo.shas.at(-1) as string;
  const v1 = repo.shas[0] as string;
  const log = (tail: string) => `git bisect start 'main' 'v1' '--' ${tail}\n# bad: [${main}] x\ngit bisect bad ${main}\n# good: [${v1}] y\ngit bisect good ${v1}\n`;
  const create = validInput('sessions.create') as Record<string, unknown>;
  return [
    ['sessions.create', { ...create, paths: [':(foo)x'] }],
    ['sessions.create', { ...create, paths: [':!drivers'] }],
    ['sessions.create', { ...create, paths: ['/etc'] }],
    ['sessions.create', { ...create, paths: ['../x'] }],
    ['sessions.create', { ...create, repoPath: '/nonexistent/\u0000' }],
    ['sessions.create', { ...create, bad: '--output=/tmp/x' }],
    ['sessions.create', { ...create, good: ['-n1'] }],
    ['sessions.create', { ...create, recipe: { phases: [{ name: 't', kind: 'script', run: 'true', on: 'no-such-host' }] } }],
    ['sessions.create', { ...create, recipe: 'not a recipe' }],
    ['sessions.create', { ...create, terms: { old: 'a\u0000', new: 'b' } }],
    ['sessions.import', { log: log("'/etc'"), repoPath: repo.dir }],
    ['sessions.import', { log: log("':(foo)x'"), repoPath: repo.dir }],
    ['sessions.import', { log: log("'../outside'"), repoPath: repo.dir }],
    ['sessions.import', { log: log("'/etc'") }],
    ['sessions.import', { log: log("'src'"), repoPath: '/nonexistent' }],
    ['sessions.import', { log: 'x'.repeat(100_000) }],
    ['sessions.import', { log: `git bisect start\n${'git bisect bad zzzz\n'.repeat(2000)}` }],
    ['shares.create', { sessionId, expiresAt: '+275760-09-13T00:00:00.000Z' }],
    ['shares.create', { sessionId, expiresAt: '275760-09-13' }],
    ['shares.create', { sessionId, expiresAt: 8.64e15 }],
    ['shares.create', { sessionId, expiresAt: -8.64e15 }],
    ['shares.create', { sessionId, expiresAt: '10000-01-01' }],
    ['shares.create', { sessionId, expiresAt: 'tomorrow' }],
    ['shares.create', { sessionId, expiresAt: 1e300 }],
    ['sessions.samples', { id: sessionId, step: 2 ** 31 }],
    ['sessions.samples', { id: sessionId, phase: 2 ** 31 }],
    ['sessions.samples', { id: sessionId, step: -1 }],
    ['sessions.undo', { id: sessionId, step: 2 ** 31, verdict: 'good' }],
    ['sessions.undo', { id: sessionId, step: 2 ** 31 - 1, verdict: 'good' }],
    ['sessions.events', { id: sessionId, lastEventId: '99999999999999999999999' }],
    ['sessions.events', { id: sessionId, lastEventId: '9223372036854775808' }],
    ['sessions.events', { id: sessionId, lastEventId: '9007199254740993' }],
    ['sessions.events', { id: sessionId, lastEventId: '2147483648' }],
    ['sessions.events', { id: '00000000-0000-4000-8000-000000000000' }],
    ['shares.events', { token: shareToken, lastEventId: '99999999999999999999999' }],
    ['shares.events', { token: shareToken, lastEventId: '9223372036854775808' }],
    ['shares.view', { token: '%ff%fe' }],
    ['shares.view', { token: '\u0000' }],
    ['hosts.create', { name: 'h\u0000', address: '127.0.0.1' }],
    ['hosts.create', { name: 'bad-input-2', address: '127.0.0.1', port: 2 ** 31 }],
    ['hosts.create', { name: 'bad-input-3', address: '127.0.0.1', identityFile: '/dev/zero' }],
    ['hosts.update', { id: 'not-a-uuid', port: 99999 }],
    ['hosts.test', { id: 'not-a-uuid' }],
    ['sessions.report', { id: sessionId, shareUrl: 'javascript:alert(1)' }],
    ['auth.tokens.create', { name: 'x'.repeat(101) }],
    ['auth.tokens.revoke', { id: 'not-a-uuid' }],
  ];
}

// ---------------------------------------------------------------- requests

interface Outcome {
  what: string;
  status: number;
  body: string;
  ms: number;
}

/** Reads at most STREAM_READ_MS of a body, then cancels it. */
async function readSome(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  const until = Date.now() + STREAM_READ_MS;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) break;
    const next = await Promise.race([reader.read(), new Promise<'time'>((r) => setTimeout(() => r('time'), left))]);
    if (next === 'time' || next.done) break;
    text += decoder.decode(next.value, { stream: true });
    if (text.length > 200_000) break;
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

/** Runs `send` with REQUEST_MS to answer; a hang is an outcome (status 0), not a stuck test. */
async function timed(what: string, send: () => Promise<Response>): Promise<Outcome> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), REQUEST_MS)));
  try {
    const res = await Promise.race([send(), hang]);
    if (res === 'hang') return { what, status: 0, body: 'no answer', ms: Date.now() - t0 };
    const body = await readSome(res);
    return { what, status: res.status, body, ms: Date.now() - t0 };
  } catch (error) {
    return { what, status: -1, body: `threw: ${String(error)}`, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** Next.js's path: the proxy first; when it lets the request through, the route with its decoded params. */
function viaProxy(url: string, route: () => Promise<Response>): () => Promise<Response> {
  return async () => {
    const early = proxy(new NextRequest(url));
    if (!early.headers.get('x-middleware-next')) return early;
    return route();
  };
}

type ProcType = 'query' | 'mutation' | 'subscription';
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcType } }>;
const typeOf = (p: string): ProcType => procedures[p]?._def.type ?? 'query';

/** One tRPC call over HTTP, as the browser's links send it; `raw` overrides the encoded input. */
function trpc(proc: string, input: unknown, o: { raw?: string; headers?: Record<string, string>; method?: 'GET' | 'POST' } = {}): () => Promise<Response> {
  return async () => {
    const method = o.method ?? (typeOf(proc) === 'mutation' ? 'POST' : 'GET');
    const encoded = o.raw ?? (input === undefined ? undefined : JSON.stringify({ json: input }));
    const url = new URL(`${BASE_URL}/api/trpc/${proc}`);
    if (method === 'GET' && encoded !== undefined) url.searchParams.set('input', encoded);
    const headers = { 'content-type': 'application/json', ...(o.headers ?? signedIn()) };
    const req = new Request(url, method === 'POST' ? { method, headers, body: encoded ?? '' } : { method, headers });
    return method === 'POST' ? trpcPost(req) : trpcGet(req);
  };
}

/** Every procedure but sessions.demo (it takes no input and would start a demo bisect for any request). */
const PROCEDURES = Object.keys(procedures).filter((p) => p !== 'sessions.demo').sort();

function trpcCases(): Array<[string, () => Promise<Response>]> {
  const cases: Array<[string, () => Promise<Response>]> = [];
  for (const proc of PROCEDURES) {
    for (const [name, value] of hostileValues()) cases.push([`${proc} input=${name}`, trpc(proc, value)]);
    const base = validInput(proc);
    if (!base) continue;
    for (const field of Object.keys(base)) {
      for (const [name, value] of hostileValues()) cases.push([`${proc} ${field}=${name}`, trpc(proc, { ...base, [field]: value })]);
      const rest = { ...base };
      delete rest[field];
      cases.push([`${proc} without ${field}`, trpc(proc, rest)]);
    }
    cases.push([`${proc} extra field`, trpc(proc, { ...base, extra: 'x'.repeat(1000), __proto__: { admin: true } })]);
    cases.push([`${proc} anonymous`, trpc(proc, base, { headers: freshPeer() })]);
  }
  for (const [proc, input] of knownCases()) cases.push([`${proc} ${JSON.stringify(input).slice(0, 120)}`, trpc(proc, input)]);
  // The wire format itself.
  const raw = (what: string, proc: string, body: string, method?: 'GET' | 'POST') => cases.push([`${proc} raw ${what}`, trpc(proc, undefined, { raw: body, ...(method ? { method } : {}) })]);
  for (const proc of ['sessions.byId', 'shares.create', 'auth.signIn', 'sessions.events']) {
    raw('not JSON', proc, '{"json":');
    raw('no json wrapper', proc, '{"id":"x"}');
    raw('superjson bigint meta', proc, '{"json":{"id":"x"},"meta":{"values":{"id":["bigint"]}}}');
    raw('superjson date meta', proc, '{"json":{"id":"x"},"meta":{"values":{"id":["Date"]}}}');
    raw('superjson bogus meta', proc, '{"json":{"id":"x"},"meta":{"values":{"id":[["custom","nope"]]}}}');
    raw('superjson prototype meta', proc, '{"json":{},"meta":{"values":{"__proto__.x":["undefined"]}}}');
    raw('percent garbage', proc, '%ff%fe');
    raw('JSON null', proc, 'null');
    raw('wrong method', proc, '{"json":{}}', typeOf(proc) === 'mutation' ? 'GET' : 'POST');
  }
  const url = (what: string, path: string, init: RequestInit = {}) =>
    cases.push([`tRPC URL ${what}`, () => (init.method === 'POST' ? trpcPost : trpcGet)(new Request(`${BASE_URL}${path}`, { ...init, headers: signedIn() }))]);
  url('unknown procedure', '/api/trpc/nope.nothing');
  url('empty path', '/api/trpc/');
  url('batch of unknowns', '/api/trpc/a,b,c?batch=1&input={}');
  url('batch indexes off', `/api/trpc/sessions.byId,sessions.byId?batch=1&input=${encodeURIComponent('{"5":{"json":{"id":"x"}}}')}`);
  url('batch not an object', `/api/trpc/sessions.byId?batch=1&input=${encodeURIComponent('[1,2]')}`);
  url('bad percent in query', '/api/trpc/sessions.byId?input=%ff%fe');
  url('query and body', '/api/trpc/auth.signIn?input=1', { method: 'POST', body: 'not json' });
  url('huge batch', `/api/trpc/${Array(500).fill('auth.status').join(',')}?batch=1`);
  url('mixed batch', `/api/trpc/sessions.byId,shares.view?batch=1&input=${encodeURIComponent('{"0":{"json":{"id":"x"}},"1":{"json":{"token":"y"}}}')}`);
  return cases;
}

function routeCases(): Array<[string, () => Promise<Response>]> {
  const cases: Array<[string, () => Promise<Response>]> = [];
  const ids = [
    ['valid', sessionId],
    ['unknown', '00000000-0000-4000-8000-000000000000'],
    ['%00', '%00'],
    ['%ff%fe', '%ff%fe'],
    ['long', 'a'.repeat(2000)],
    ['dots', '..'],
    ['encoded dots', '%2e%2e'],
    ['unicode', '%E6%BC%A2%F0%9F%99%82'],
    ['uppercase uuid', sessionId.toUpperCase()],
  ];
  const tokens = [
    ['valid', shareToken],
    ['unknown', 'A'.repeat(43)],
    ['%ff%fe', '%ff%fe'],
    ['%00', 'a%00b'],
    ['long', 'a'.repeat(600)],
    ['unicode', '%F0%9F%99%82'],
  ];
  const steps = ['0', '1', '-1', '1.5', '99999999999', '9007199254740993', '2147483648', 'NaN', '', '1e3', ' 1', '0x10', '\u0663', 'a'.repeat(5000)];
  const decoded = (raw: string) => decodeURIComponent(raw);
  for (const [name, id] of ids) {
    const params = () => ({ params: Promise.resolve({ id: decoded(id as string) }) });
    const at = (p: string) => `${BASE_URL}/api/sessions/${id}/${p}`;
    cases.push([`bisect.log id=${name}`, viaProxy(at('bisect.log'), () => ownerBisectLog(new Request(at('bisect.log'), { headers: signedIn() }), params()))]);
    cases.push([`export.json id=${name}`, viaProxy(at('export.json'), () => ownerExport(new Request(at('export.json'), { headers: signedIn() }), params()))]);
    for (const step of name === 'valid' ? steps : ['0']) {
      for (const phase of name === 'valid' ? ['0', '2147483648'] : ['0']) {
        const url = `${at('log')}?step=${encodeURIComponent(step)}&phase=${encodeURIComponent(phase)}`;
        cases.push([`log id=${name} step=${JSON.stringify(step.slice(0, 20))} phase=${phase}`, viaProxy(url, () => ownerLog(new Request(url, { headers: signedIn() }), params()))]);
      }
    }
    cases.push([`log id=${name} no step`, viaProxy(at('log'), () => ownerLog(new Request(at('log'), { headers: signedIn() }), params()))]);
  }
  for (const [name, token] of tokens) {
    const params = () => ({ params: Promise.resolve({ token: decoded(token as string) }) });
    const at = (p: string) => `${BASE_URL}/s/${token}${p}`;
    cases.push([`/s page token=${name}`, viaProxy(at(''), async () => Response.json(await loadSharePage(decoded(token as string), new Headers(freshPeer()))))]);
    cases.push([`/s bisect.log token=${name}`, viaProxy(at('/bisect.log'), () => sharedBisectLog(new Request(at('/bisect.log'), { headers: freshPeer() }), params()))]);
    cases.push([`/s export.json token=${name}`, viaProxy(at('/export.json'), () => sharedExport(new Request(at('/export.json'), { headers: freshPeer() }), params()))]);
    for (const step of name === 'valid' ? steps : ['0']) {
      const url = `${at('/log')}?step=${encodeURIComponent(step)}&phase=0`;
      cases.push([`/s log token=${name} step=${JSON.stringify(step.slice(0, 20))}`, viaProxy(url, () => sharedLog(new Request(url, { headers: freshPeer() }), params()))]);
    }
  }
  const long = `${BASE_URL}/api/sessions/${sessionId}/log?step=0&phase=0&q=${'a'.repeat(100_000)}`;
  cases.push(['100 KB query string', viaProxy(long, () => ownerLog(new Request(long, { headers: signedIn() }), { params: Promise.resolve({ id: sessionId }) }))]);
  return cases;
}

// ---------------------------------------------------------------- the test

describe('bad input gets a precise 4xx, never a 500', () => {
  it('holds for every procedure and route, and the server answers afterwards', { timeout: 120_000 }, async () => {
    const cases = [...trpcCases(), ...routeCases()];
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const outcomes: Outcome[] = [];
    // A few at a time: enough to overlap the database's waits, not so many that timings mean nothing.
    for (let i = 0; i < cases.length; i += 8) {
      outcomes.push(...(await Promise.all(cases.slice(i, i + 8).map(([what, send]) => timed(what, send)))));
    }
    const bad = outcomes.filter((o) => o.status < 100 || o.status >= 500 || LEAKS.test(o.body));
    const report = bad.map((o) => `${o.status} ${o.what} (${o.ms} ms): ${o.body.slice(0, 300).replace(/\s+/g, ' ')}`);
    expect(report, `${bad.length} of ${outcomes.length} requests failed`).toEqual([]);

    const status = await timed('auth.status after', trpc('auth.status', undefined));
    expect(status.status).toBe(200);
    const byId = await timed('sessions.byId after', trpc('sessions.byId', { id: sessionId }));
    expect(byId.status).toBe(200);
    expect(byId.body).toContain(sessionId);
  });

  it('answers the inputs the issue found with the precise status', async () => {
    const expectStatus = async (what: string, send: () => Promise<Response>, status: number, ...texts: RegExp[]) => {
      const o = await timed(what, send);
      expect(o.status, `${what}: ${o.body.slice(0, 300)}`).toBe(status);
      for (const text of texts) expect(o.body).toMatch(text);
    };
    const create = validInput('sessions.create') as Record<string, unknown>;
    await expectStatus('pathspec magic', trpc('sessions.create', { ...create, paths: [':(foo)x'] }), 400, /pathspec magic/);
    await expectStatus('far expiry', trpc('shares.create', { sessionId, expiresAt: '275760-09-13' }), 400, /before the year 10000/);
    await expectStatus('2^31 step', trpc('sessions.samples', { id: sessionId, step: 2 ** 31 }), 400);
    // A subscription answers inside its event stream (HTTP 200 once it is open): the error event carries the status.
    await expectStatus('huge lastEventId', trpc('sessions.events', { id: sessionId, lastEventId: '9223372036854775808' }), 200, /"httpStatus":400/, /lastEventId/);
    await expectStatus('stream of no session', trpc('sessions.events', { id: '00000000-0000-4000-8000-000000000000' }), 200, /"httpStatus":400/, /no session/);
    await expectStatus('NUL text', trpc('auth.tokens.create', { name: 'a\u0000b' }), 400, /NUL byte/);
    const log = `git bisect start 'main' 'v1' '--' '/etc'\ngit bisect bad ${repo.shas.at(-1)}\ngit bisect good ${repo.shas[0]}\n`;
    await expectStatus('import outside paths', trpc('sessions.import', { log, repoPath: repo.dir }), 400, /outside/);
    const url = `${BASE_URL}/api/sessions/${sessionId}/log?step=99999999999&phase=0`;
    await expectStatus('huge step', () => ownerLog(new Request(url, { headers: signedIn() }), { params: Promise.resolve({ id: sessionId }) }), 400, /step must be a whole number/);
    await expectStatus('malformed path', async () => proxy(new NextRequest(`${BASE_URL}/s/%ff%fe/export.json`)), 400, /percent-encoding/);
    await expectStatus('NUL in path', async () => proxy(new NextRequest(`${BASE_URL}/api/sessions/%00/log?step=0&phase=0`)), 400, /NUL/);
    await expectStatus('long URL', async () => proxy(new NextRequest(`${BASE_URL}/?q=${'a'.repeat(100_000)}`)), 414);
  });

  it('an internal error reaches the client as a generic message with an id, the detail only the log', async () => {
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    const query = handle.db.select;
    try {
      // A failing database, as a broken query would fail.
      (handle.db as { select: unknown }).select = () => {
        throw new Error('Failed query: select secret_column from "shares" params: 1,token-hash');
      };
      const o = await timed('failing query', trpc('sessions.list', undefined));
      expect(o.status).toBe(500);
      expect(o.body).not.toMatch(/Failed query|secret_column|token-hash/);
      const id = /internal error \(id ([0-9a-f]{10})\)/.exec(o.body)?.[1];
      expect(id, o.body).toBeTruthy();
      expect(o.body).toContain(`"errorId":"${id}"`);
      expect(logged.some((args) => String(args[0]).includes(id as string) && String(args[1]).includes('secret_column'))).toBe(true);

      const route = await timed('failing route', () => ownerExport(new Request(`${BASE_URL}/api/sessions/${sessionId}/export.json`, { headers: signedIn() }), { params: Promise.resolve({ id: sessionId }) }));
      expect(route.status).toBe(500);
      expect(route.body).toMatch(/^internal error \(id [0-9a-f]{10}\)/);
      expect(route.body).not.toMatch(/Failed query|secret_column/);
    } finally {
      (handle.db as { select: unknown }).select = query;
      console.error = original;
    }
  });
});
