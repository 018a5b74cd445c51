import { getSessionDetail } from '@/db/queries/sessions';
import { downloadName } from '@/server/export/bisect-log';
import { loadSessionExport } from '@/server/export/load';
import { authenticateRequest, unauthorized } from '@/server/auth/http';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

/** The session as a JSON document: steps, verdicts, timings, throughput, the bisect log. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const detail = /^[0-9a-f-]{36}$/i.test(id) ? await getSessionDetail(rt.db.db, id) : null;
  if (!detail) return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const doc = await loadSessionExport(rt.db.db, id, detail);
  return new Response(`${JSON.stringify(doc, null, 2)}\n`, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${downloadName(detail.session.title, 'json')}"`,
      'cache-control': 'no-store',
    },
  });
}
