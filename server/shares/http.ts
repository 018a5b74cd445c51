import { getSessionDetail, type SessionDetail } from '../../db/queries/sessions';
import type { Share } from '../../db/schema';
import { clientKey } from '../auth/http';
import { getRuntime, type Runtime } from '../runtime';
import type { Redactor } from './redact';
import { shareServiceOf } from './runtime';
import { isShareNotFound, redactDetail, SHARE_NOT_FOUND_MESSAGE } from './service';

export interface SharedForRoute {
  rt: Runtime;
  share: Share;
  redactor: Redactor;
  /** Already redacted. */
  detail: SessionDetail;
}

/** The one 404 of every share route: the same status, body and headers for unknown, revoked and expired tokens. */
export function shareNotFoundResponse(): Response {
  return new Response(`${SHARE_NOT_FOUND_MESSAGE}\n`, {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** Resolves a share for a route handler, or the 404 response. */
export async function shareForRoute(token: string, req?: Request): Promise<SharedForRoute | Response> {
  const rt = await getRuntime();
  if (req && !rt.auth.allowShareLookup(clientKey(req, rt.config.trustProxy))) {
    return new Response('too many share-link lookups: wait a minute\n', { status: 429, headers: { 'retry-after': '60', 'content-type': 'text/plain; charset=utf-8' } });
  }
  const service = shareServiceOf(rt);
  try {
    const share = await service.resolve(token);
    const raw = await getSessionDetail(rt.db.db, share.sessionId);
    if (!raw) return shareNotFoundResponse();
    const redactor = await service.redactorFor(share, raw);
    return { rt, share, redactor, detail: redactDetail(raw, redactor) };
  } catch (error) {
    if (isShareNotFound(error)) return shareNotFoundResponse();
    throw error;
  }
}

/** Headers every shared document carries: not indexed, not cached by shared caches. */
export const SHARED_HEADERS = { 'x-robots-tag': 'noindex', 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' };
