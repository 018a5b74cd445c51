import { NextResponse, type NextRequest } from 'next/server';

/**
 * Longest URL (path and query) accepted, in characters. Longer ones that got
 * past the HTTP parser's header limit (16 KiB, answered with a 431 by
 * scripts/http-guard.mjs) get a 414. Every URL the dashboard makes is far shorter.
 */
export const MAX_URL_CHARS = 8 * 1024;

function refuse(status: number, message: string): NextResponse {
  return new NextResponse(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
}

/**
 * Refuses URLs no route can answer, before any route is matched: too long
 * (414), a path with invalid percent-encoding or a NUL byte (400). Stateless,
 * as a Next.js proxy must be: no runtime, no database.
 */
export function proxy(request: NextRequest): NextResponse {
  const url = request.nextUrl;
  if (url.pathname.length + url.search.length > MAX_URL_CHARS) {
    return refuse(414, `URL too long: at most ${MAX_URL_CHARS} characters`);
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return refuse(400, 'malformed URL: the path has invalid percent-encoding');
  }
  if (path.includes('\0')) return refuse(400, 'malformed URL: the path contains a NUL byte');
  return NextResponse.next();
}

export const config = {
  // Build output is served as it is.
  matcher: ['/((?!_next/static|_next/image).*)'],
};
