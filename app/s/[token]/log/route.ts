import { listPhaseOutput } from '@/db/queries/events';
import { shareForRoute, SHARED_HEADERS } from '@/server/shares/http';
import { redactEvents } from '@/server/shares/redacted-events';

export const dynamic = 'force-dynamic';

const PAGE = 100;

/** The full output of one phase of a shared session, redacted, streamed page by page. */
export async function GET(req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const shared = await shareForRoute(token, req);
  if (shared instanceof Response) return shared;
  const url = new URL(req.url);
  const step = Number(url.searchParams.get('step'));
  const phase = Number(url.searchParams.get('phase'));
  if (!Number.isInteger(step) || !Number.isInteger(phase)) return new Response('step and phase must be integers\n', { status: 400 });
  const { rt, share, redactor } = shared;
  const encoder = new TextEncoder();
  let after = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await listPhaseOutput(rt.db.db, share.sessionId, step, phase, after, PAGE);
      if (rows.length === 0) return controller.close();
      after = rows[rows.length - 1]?.seq ?? after;
      for (const r of await redactEvents(rows, redactor, share.sessionId)) {
        if (r.payload.type === 'output') controller.enqueue(encoder.encode(r.payload.lines.join('\n') + '\n'));
      }
    },
  });
  return new Response(body, {
    headers: {
      ...SHARED_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="shared-step${step}-phase${phase}.log"`,
    },
  });
}
