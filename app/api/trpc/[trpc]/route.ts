import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { authenticateRequest, clientKey, isSameOrigin, isSecure, readCookie } from '@/server/auth/http';
import { SESSION_COOKIE } from '@/server/auth/service';
import { getRuntime } from '@/server/runtime';
import { requestOrigin } from '@/server/shares/runtime';
import { withInternalErrors } from '@/server/api/errors';

export const dynamic = 'force-dynamic';

/** Largest request body accepted (an imported bisect log may be up to 10 MB). */
const MAX_BODY_BYTES = 11 * 1024 * 1024;

async function handler(req: Request): Promise<Response> {
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) return tooLarge();
  const body = req.method === 'POST' ? await readLimited(req) : null;
  if (body === 'too large') return tooLarge();
  const request = body === null ? req : new Request(req.url, { method: req.method, headers: req.headers, body: new Blob([body as Uint8Array<ArrayBuffer>]) });
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: async ({ resHeaders, info }) => {
      const runtime = await getRuntime();
      return {
        runtime,
        origin: requestOrigin(req),
        principal: await authenticateRequest(runtime, req),
        client: clientKey(req, runtime.config.trustProxy),
        sameOrigin: isSameOrigin(req),
        resHeaders,
        secure: isSecure(req),
        sessionCookie: readCookie(req.headers.get('cookie'), SESSION_COOKIE),
        calls: info.calls.map((c) => c.path),
      };
    },
  });
}

/** Reads the body, refusing more than MAX_BODY_BYTES even without a Content-Length. */
async function readLimited(req: Request): Promise<Uint8Array | 'too large'> {
  const reader = req.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return 'too large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): Response {
  const message = `request too large: at most ${MAX_BODY_BYTES / 1024 / 1024} MB (a bisect log is limited to 10 MB)`;
  return Response.json({ error: { json: { message, code: -32600, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } } }, { status: 413 });
}

/** tRPC formats its own errors (server/api/trpc.ts); this catches what fails around it (the body, the runtime). */
const guarded = withInternalErrors('/api/trpc', handler);
export { guarded as GET, guarded as POST };
