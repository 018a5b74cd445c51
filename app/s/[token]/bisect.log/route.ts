import { withInternalErrors } from '@/server/api/errors';
import { sessionBisectLog } from '@/server/export/bisect-log';
import { shareForRoute, SHARED_HEADERS } from '@/server/shares/http';

export const dynamic = 'force-dynamic';

/** The shared session's `git bisect log` as plain text: `curl -s URL > l && git bisect replay l`. */
export const GET = withInternalErrors('GET /s/[token]/bisect.log', async (req: Request, { params }: { params: Promise<{ token: string }> }) => {
  const { token } = await params;
  const shared = await shareForRoute(token, req);
  if (shared instanceof Response) return shared;
  return new Response(sessionBisectLog(shared.detail), {
    headers: { ...SHARED_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  });
});
