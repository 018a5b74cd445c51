import { createHmac } from 'node:crypto';

/** `sha256=` + hex HMAC-SHA256 of the exact body bytes under the webhook's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface SendOptions {
  /** Whole request, response body included. */
  timeoutMs: number;
  /** Most response bytes read; the rest is dropped. */
  maxResponseBytes: number;
}

export interface SendResult {
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
  ms: number;
  ok: boolean;
}

/** Characters of the response kept in the delivery log. */
const EXCERPT_CHARS = 300;

/**
 * POSTs `body` once. Redirects are not followed (a 3xx is a failed attempt),
 * the whole exchange is bounded by `timeoutMs`, and at most
 * `maxResponseBytes` of the answer are read: a slow or hostile receiver costs
 * one bounded request, never a stuck sender. Success is a 2xx.
 */
export async function postOnce(url: string, body: string, headers: Record<string, string>, o: SendOptions): Promise<SendResult> {
  const started = Date.now();
  const signal = AbortSignal.timeout(o.timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    const text = await readCapped(res, o.maxResponseBytes);
    const ok = res.status >= 200 && res.status < 300;
    const error = ok ? null : res.status >= 300 && res.status < 400 ? `redirect to ${res.headers.get('location') ?? '?'} not followed` : `HTTP ${res.status}`;
    return { statusCode: res.status, excerpt: text.slice(0, EXCERPT_CHARS) || null, error, ms: Date.now() - started, ok };
  } catch (e) {
    const error = signal.aborted ? `no answer within ${o.timeoutMs / 1000} s` : describe(e);
    return { statusCode: null, excerpt: null, error, ms: Date.now() - started, ok: false };
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`.slice(0, 300);
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}
