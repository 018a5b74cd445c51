import { withInternalErrors } from '@/server/api/errors';
import { ownerSessionForRoute } from '@/server/sessions/http';
import { downloadName } from '@/server/export/bisect-log';
import { loadSessionExport } from '@/server/export/load';

export const dynamic = 'force-dynamic';

/** The session as a JSON document: steps, verdicts, timings, throughput, the bisect log. */
export const GET = withInternalErrors('GET /api/sessions/[id]/export.json', async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const found = await ownerSessionForRoute(req, id);
  if (found instanceof Response) return found;
  const { rt, detail } = found;
  const doc = await loadSessionExport(rt.db.db, id, detail);
  return new Response(`${JSON.stringify(doc, null, 2)}\n`, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${downloadName(detail.session.title, 'json')}"`,
      'cache-control': 'no-store',
    },
  });
});
