import { getSessionDetail } from '@/db/queries/sessions';
import { downloadName, sessionBisectLog } from '@/server/export/bisect-log';
import { authenticateRequest, unauthorized } from '@/server/auth/http';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

/** The session's `git bisect log`, as plain text for `git bisect replay`. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const detail = /^[0-9a-f-]{36}$/i.test(id) ? await getSessionDetail(rt.db.db, id) : null;
  if (!detail) return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return new Response(sessionBisectLog(detail), {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `inline; filename="${downloadName(detail.session.title, 'log')}"`,
      'cache-control': 'no-store',
    },
  });
}
