import { listPhaseOutput } from '@/db/queries/events';
import { getSession } from '@/db/queries/sessions';
import { withInternalErrors } from '@/server/api/errors';
import { authenticateRequest, unauthorized } from '@/server/auth/http';
import { getRuntime } from '@/server/runtime';
import { isSessionId, notFoundResponse, phaseLogParams, phaseLogResponse } from '@/server/sessions/http';

export const dynamic = 'force-dynamic';

const PAGE = 100;

/** The full output of one phase as plain text, streamed page by page from the DB. */
export const GET = withInternalErrors('GET /api/sessions/[id]/log', async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const which = phaseLogParams(new URL(req.url));
  if (which instanceof Response) return which;
  const { step, phase } = which;
  if (!isSessionId(id) || !(await getSession(rt.db.db, id))) return notFoundResponse();
  return phaseLogResponse(
    {
      where: 'GET /api/sessions/[id]/log',
      page: (after) => listPhaseOutput(rt.db.db, id, step, phase, after, PAGE),
      lines: async (rows) => rows.flatMap((r) => (r.payload.type === 'output' ? r.payload.lines : [])),
    },
    { 'content-disposition': `attachment; filename="session-${id.slice(0, 8)}-step${step}-phase${phase}.log"` },
  );
});
