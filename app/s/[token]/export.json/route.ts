import { withInternalErrors } from '@/server/api/errors';
import { downloadName } from '@/server/export/bisect-log';
import { loadSessionExport } from '@/server/export/load';
import { redactJson } from '@/server/shares/redact';
import { shareForRoute, SHARED_HEADERS } from '@/server/shares/http';

export const dynamic = 'force-dynamic';

/** The shared session as a JSON document, redacted like the page. */
export const GET = withInternalErrors('GET /s/[token]/export.json', async (req: Request, { params }: { params: Promise<{ token: string }> }) => {
  const { token } = await params;
  const shared = await shareForRoute(token, req);
  if (shared instanceof Response) return shared;
  const doc = await loadSessionExport(shared.rt.db.db, shared.share.sessionId, shared.detail, (v) => redactJson(v, shared.redactor));
  return new Response(`${JSON.stringify(doc, null, 2)}\n`, {
    headers: {
      ...SHARED_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${downloadName(shared.detail.session.title, 'json')}"`,
    },
  });
});
