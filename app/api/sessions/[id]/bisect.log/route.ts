import { withInternalErrors } from '@/server/api/errors';
import { ownerSessionForRoute } from '@/server/sessions/http';
import { downloadName, sessionBisectLog } from '@/server/export/bisect-log';

export const dynamic = 'force-dynamic';

/** The session's `git bisect log`, as plain text for `git bisect replay`. */
export const GET = withInternalErrors('GET /api/sessions/[id]/bisect.log', async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const found = await ownerSessionForRoute(req, id);
  if (found instanceof Response) return found;
  const { detail } = found;
  return new Response(sessionBisectLog(detail), {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `inline; filename="${downloadName(detail.session.title, 'log')}"`,
      'cache-control': 'no-store',
    },
  });
});
