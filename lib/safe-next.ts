/** Where `safeNext` resolves a `next` parameter: any fixed origin works, only same-origin results are kept. */
const BASE = 'https://dashboard.invalid';

/**
 * The `next` parameter of the sign-in page as a path on this site, or `/`:
 * never an open redirect. The value is resolved against the origin as a
 * browser would and kept only when it stays on it. Backslashes (browsers read
 * `/\host` as `//host`) and control characters (browsers drop tabs and
 * newlines, so `/\t/host` is `//host` too) are refused outright, and so is a
 * result whose path starts with `//` (`/..//host` normalises to one).
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  if (/[\\\u0000-\u001f\u007f-\u009f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
