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

/** Who is asking, for rate limits (the proxy's view when there is one). */
export function clientKey(req: Request): string {
  return req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || req.headers.get('x-real-ip') || 'direct';
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
