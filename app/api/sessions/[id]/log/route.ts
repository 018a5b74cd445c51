import { withInternalErrors } from '@/server/api/errors';
import { ownerPhaseForRoute, phaseLogResponse } from '@/server/sessions/http';

export const dynamic = 'force-dynamic';

/** The full output of one phase as plain text, streamed page by page from the DB. */
export const GET = withInternalErrors('GET /api/sessions/[id]/log', async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const route = await ownerPhaseForRoute(req, id);
  if (route instanceof Response) return route;
  const { rt, step, phase } = route;
  return phaseLogResponse(
    { where: 'GET /api/sessions/[id]/log', db: rt.db.db, sessionId: id, step, phase },
    { 'content-disposition': `attachment; filename="session-${id.slice(0, 8)}-step${step}-phase${phase}.log"` },
  );
});
