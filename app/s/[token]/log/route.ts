import { withInternalErrors } from '@/server/api/errors';
import { phaseLogParams, phaseLogResponse } from '@/server/sessions/http';
import { shareForRoute, SHARED_HEADERS } from '@/server/shares/http';
import { redactEvents } from '@/server/shares/redacted-events';

export const dynamic = 'force-dynamic';

/** The full output of one phase of a shared session, redacted, streamed page by page. */
export const GET = withInternalErrors('GET /s/[token]/log', async (req: Request, { params }: { params: Promise<{ token: string }> }) => {
  const { token } = await params;
  const shared = await shareForRoute(token, req);
  if (shared instanceof Response) return shared;
  const which = phaseLogParams(new URL(req.url));
  if (which instanceof Response) return which;
  const { step, phase } = which;
  const { rt, share, redactor } = shared;
  return phaseLogResponse(
    {
      where: 'GET /s/[token]/log',
      db: rt.db.db,
      sessionId: share.sessionId,
      step,
      phase,
      visible: (rows) => redactEvents(rows, redactor, share.sessionId),
    },
    { ...SHARED_HEADERS, 'content-disposition': `attachment; filename="shared-step${step}-phase${phase}.log"` },
  );
});
