import { getStepConfig } from '@/db/queries/step-configs';
import { withInternalErrors } from '@/server/api/errors';
import { notFoundResponse, ownerPhaseForRoute } from '@/server/sessions/http';

export const dynamic = 'force-dynamic';

/** The .config a kconfig phase stored with a step (`?step=N&phase=M`), as a file. */
export const GET = withInternalErrors('GET /api/sessions/[id]/config', async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const which = await ownerPhaseForRoute(req, id);
  if (which instanceof Response) return which;
  const config = await getStepConfig(which.rt.db.db, id, which.step, which.phase);
  if (!config) return notFoundResponse();
  return new Response(config.text, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="session-${id.slice(0, 8)}-step${which.step}.config"`,
      'x-config-bytes': String(config.bytes),
      ...(config.truncated ? { 'x-config-truncated': '1' } : {}),
    },
  });
});
