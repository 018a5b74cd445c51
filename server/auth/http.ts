import type { Runtime } from '../runtime';
import { SESSION_COOKIE, type Principal } from './service';

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function bearerToken(req: Request): string | null {
  const h = req.headers.get('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1] ?? null;
}

/** The request's principal from its session cookie or bearer token. */
export function authenticateRequest(rt: Runtime, req: Request): Promise<Principal | null> {
  return rt.auth.authenticate({ cookie: readCookie(req.headers.get('cookie'), SESSION_COOKIE), bearer: bearerToken(req) });
}

/**
 * False when a browser sent the request from another site: its Origin header
 * names a different host than the one it asked. Non-browser clients send no Origin.
 */
export function isSameOrigin(req: Request): boolean {
  const origin = req.headers.get('origin');
  if (!origin) return true;
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function isSecure(req: Request): boolean {
  return new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
}

/** Headers as route handlers (`Request.headers`) and server components (`headers()`) see them. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** Set by scripts/http-guard.mjs to the socket's peer address (the client's own value is replaced). */
export const PEER_HEADER = 'x-bisect-peer';
const GUARD_FLAG = Symbol.for('bisect-dashboard.http-guard');
/** The key of every client when the peer is unknown: they share one limit, which is safe, never bypassable. */
export const UNKNOWN_CLIENT = 'direct';

/**
 * Who is asking, for rate limits. With `trustProxy` = N (TRUST_PROXY: N
 * reverse proxies that append to X-Forwarded-For), the N-th address from the
 * right of X-Forwarded-For, else X-Real-IP. Without, forwarding headers are
 * never read (any client can send them): the peer address from the HTTP guard
 * of scripts/start.mjs, or UNKNOWN_CLIENT when the guard is not loaded (next dev).
 */
export function clientKey(req: Request | HeaderReader, trustProxy = 0): string {
  // Next's own headers object also has a `headers` field (a plain object): only a Request's has `get`.
  const inner = (req as { headers?: unknown }).headers as HeaderReader | undefined;
  const headers: HeaderReader = typeof inner?.get === 'function' ? inner : (req as HeaderReader);
  if (trustProxy > 0) {
    const hops = (headers.get('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    const forwarded = hops[Math.max(0, hops.length - trustProxy)];
    const real = headers.get('x-real-ip')?.trim();
    if (forwarded || real) return `ip:${forwarded ?? real}`.slice(0, 100);
  }
  const guarded = (globalThis as Record<symbol, unknown>)[GUARD_FLAG] === true;
  const peer = guarded ? headers.get(PEER_HEADER)?.trim() : undefined;
  return peer ? `ip:${peer}`.slice(0, 100) : UNKNOWN_CLIENT;
}

export function sessionCookie(value: string, maxAgeSec: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSec}`, ...(secure ? ['Secure'] : [])].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** 401 for route handlers that need a signed-in user. */
export function unauthorized(): Response {
  return new Response('sign in first (or send Authorization: Bearer <token>)\n', { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
