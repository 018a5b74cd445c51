import { getSessionDetail, type SessionDetail } from '../../db/queries/sessions';
import { authenticateRequest, unauthorized } from '../auth/http';
import { getRuntime, type Runtime } from '../runtime';

/**
 * A session for an owner's route handler (downloads): a signed-in user or API
 * token is required; an unknown or malformed id is a plain 404.
 */
export async function ownerSessionForRoute(req: Request, id: string): Promise<{ rt: Runtime; detail: SessionDetail } | Response> {
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const detail = /^[0-9a-f-]{36}$/i.test(id) ? await getSessionDetail(rt.db.db, id) : null;
  if (!detail) return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return { rt, detail };
}
