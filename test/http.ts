/**
 * The HTTP API in-process: the app's own route handlers called with Request
 * objects, over a runtime the test made (route handlers find it where the
 * server keeps it, on globalThis). No Next.js server, no port.
 */
import type { Runtime } from '../server/runtime';

const RUNTIME_KEY = Symbol.for('bisect-dashboard.runtime');
export const BASE_URL = 'http://127.0.0.1:3000';

/** Makes `rt` the process runtime for route handlers; returns the undo. */
export function installRuntime(rt: Runtime): () => void {
  const g = globalThis as Record<symbol, unknown>;
  g[RUNTIME_KEY] = Promise.resolve(rt);
  return () => {
    delete g[RUNTIME_KEY];
  };
}

export interface TrpcReply {
  status: number;
  /** The parsed JSON body (an array for batches), or the text when it is not JSON. */
  body: unknown;
  text: string;
}

type Handler = (req: Request) => Promise<Response>;

async function trpcHandlers(): Promise<{ GET: Handler; POST: Handler }> {
  return import('../app/api/trpc/[trpc]/route');
}

/** superjson's wire shape for plain JSON values. */
export const wire = (input: unknown) => ({ json: input });

/**
 * One tRPC HTTP request: a query (GET) or mutation (POST) of one procedure, or
 * a batch when `paths` has several (inputs by index) or `o.batch` says so.
 */
export async function trpcRequest(
  method: 'GET' | 'POST',
  paths: string[],
  inputs: unknown[],
  headers: Record<string, string> = {},
  o: { batch?: boolean } = {},
): Promise<TrpcReply> {
  const batch = o.batch ?? (paths.length > 1 || inputs.length > 1);
  const payload = batch ? Object.fromEntries(inputs.map((x, i) => [String(i), wire(x)])) : wire(inputs[0]);
  const url = new URL(`${BASE_URL}/api/trpc/${paths.join(',')}`);
  if (batch) url.searchParams.set('batch', '1');
  if (method === 'GET' && inputs.length > 0) url.searchParams.set('input', JSON.stringify(payload));
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (method === 'POST') init.body = JSON.stringify(payload);
  const h = await trpcHandlers();
  const res = await h[method](new Request(url, init));
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body, text };
}

/** The tRPC error code of a single (non-batch) reply, or 'OK'. */
export function codeOf(reply: TrpcReply): string {
  const b = reply.body as { error?: { json?: { data?: { code?: string } } } } | undefined;
  return b?.error?.json?.data?.code ?? (reply.status < 400 ? 'OK' : `HTTP ${reply.status}`);
}
