import { clientKey, type HeaderReader } from '../auth/http';
import { getRuntime } from '../runtime';
import { shareServiceOf } from './runtime';
import { isShareNotFound, type SharedSessionDetail } from './service';

/** What `/s/<token>` renders: the session, the one not-found answer, or the rate limit's refusal. */
export type SharePageLoad = { kind: 'shared'; view: SharedSessionDetail } | { kind: 'notFound' } | { kind: 'limited' };

export const SHARE_LOOKUPS_LIMITED_MESSAGE = 'Too many share-link lookups from your address in the last minute: wait a minute, then reload.';

/**
 * The share page's lookup: it counts toward the client's share-lookup limit
 * like every share route and procedure, and over the limit no token is looked up.
 */
export async function loadSharePage(token: string, headers: HeaderReader): Promise<SharePageLoad> {
  const rt = await getRuntime();
  if (!rt.auth.allowShareLookup(clientKey(headers, rt.config.trustProxy))) return { kind: 'limited' };
  try {
    return { kind: 'shared', view: await shareServiceOf(rt).view(token, (id) => rt.sessions.isRunning(id)) };
  } catch (error) {
    if (isShareNotFound(error)) return { kind: 'notFound' };
    throw error;
  }
}
