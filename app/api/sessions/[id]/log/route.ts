import { listPhaseOutput } from '@/db/queries/events';
import { getSession } from '@/db/queries/sessions';
import { authenticateRequest, unauthorized } from '@/server/auth/http';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

const PAGE = 100;

/** The full output of one phase as plain text, streamed page by page from the DB. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const url = new URL(req.url);
  const step = Number(url.searchParams.get('step'));
  const phase = Number(url.searchParams.get('phase'));
  if (!Number.isInteger(step) || !Number.isInteger(phase)) return new Response('step and phase must be integers\n', { status: 400 });
  if (!(await getSession(rt.db.db, id))) return new Response('not found\n', { status: 404 });
  const encoder = new TextEncoder();
  let after = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await listPhaseOutput(rt.db.db, id, step, phase, after, PAGE);
      if (rows.length === 0) return controller.close();
      after = rows[rows.length - 1]?.seq ?? after;
      for (const r of rows) if (r.payload.type === 'output') controller.enqueue(encoder.encode(r.payload.lines.join('\n') + '\n'));
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="session-${id.slice(0, 8)}-step${step}-phase${phase}.log"`,
    },
  });
}
