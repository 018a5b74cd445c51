import type { Db } from '../../db/client';
import { listPhaseOutput } from '../../db/queries/events';
import type { StoredEvent } from '../../db/schema';
import { getSession, getSessionDetail, type SessionDetail } from '../../db/queries/sessions';
import { internalErrorMessage, logInternalError, newErrorId } from '../api/errors';
import { authenticateRequest, unauthorized } from '../auth/http';
import { getRuntime, type Runtime } from '../runtime';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

/** Session ids are UUIDs; anything else names no session (and never reaches a query). */
export function isSessionId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

export function notFoundResponse(): Response {
  return new Response('not found\n', { status: 404, headers: TEXT });
}

export function badRequest(message: string): Response {
  return new Response(`${message}\n`, { status: 400, headers: TEXT });
}

/**
 * A session for an owner's route handler (downloads): a signed-in user or API
 * token is required; an unknown or malformed id is a plain 404.
 */
export async function ownerSessionForRoute(req: Request, id: string): Promise<{ rt: Runtime; detail: SessionDetail } | Response> {
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const detail = isSessionId(id) ? await getSessionDetail(rt.db.db, id) : null;
  if (!detail) return notFoundResponse();
  return { rt, detail };
}

/** Largest step or phase number: the columns are 32-bit integers. */
const MAX_INDEX = 2 ** 31 - 1;

/** `?step=N&phase=M` of a phase-log route: both required, whole numbers 0 … 2^31-1; else the 400 that says so. */
export function phaseLogParams(url: URL): { step: number; phase: number } | Response {
  const read = (name: string): number | string => {
    const v = url.searchParams.get(name);
    if (v === null || v === '') return `${name} is required (?step=N&phase=M)`;
    if (!/^\d{1,10}$/.test(v) || Number(v) > MAX_INDEX) return `${name} must be a whole number from 0 to ${MAX_INDEX}, not ${JSON.stringify(v.slice(0, 40))}`;
    return Number(v);
  };
  const step = read('step');
  const phase = read('phase');
  if (typeof step === 'string') return badRequest(step);
  if (typeof phase === 'string') return badRequest(phase);
  return { step, phase };
}

/**
 * The runtime and `?step=N&phase=M` of an owner's per-phase route (raw log,
 * .config): a signed-in user or API token first (401), then the parameters
 * (400), then a session by that id (404).
 */
export async function ownerPhaseForRoute(req: Request, id: string): Promise<{ rt: Runtime; step: number; phase: number } | Response> {
  const rt = await getRuntime();
  if (!(await authenticateRequest(rt, req))) return unauthorized();
  const which = phaseLogParams(new URL(req.url));
  if (which instanceof Response) return which;
  if (!isSessionId(id) || !(await getSession(rt.db.db, id))) return notFoundResponse();
  return { rt, ...which };
}

/** Output events read per page of a phase log. */
const PHASE_LOG_PAGE = 100;

export interface PhaseLogSource {
  db: Db;
  sessionId: string;
  step: number;
  phase: number;
  /** A page's events as the reader may see them (a share's redaction); default: as stored. */
  visible?: (rows: StoredEvent[]) => Promise<ReadonlyArray<Pick<StoredEvent, 'payload'>>>;
  /** Names the route in the server log. */
  where: string;
}

/**
 * A phase log as plain text, page by page. The first page is read before the
 * response starts, so a failure there is a proper error status; a later one
 * is logged with an id and cuts the body (the status is already sent).
 */
export async function phaseLogResponse(source: PhaseLogSource, headers: Record<string, string>): Promise<Response> {
  const encoder = new TextEncoder();
  const page = (after: number) => listPhaseOutput(source.db, source.sessionId, source.step, source.phase, after, PHASE_LOG_PAGE);
  const lines = async (rows: StoredEvent[]) => ((await source.visible?.(rows)) ?? rows).flatMap((r) => (r.payload.type === 'output' ? r.payload.lines : []));
  let pending: StoredEvent[] | null = await page(0);
  let after = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Until something is enqueued: a pull that enqueues nothing is not called again.
        for (;;) {
          const rows = pending ?? (await page(after));
          pending = null;
          if (rows.length === 0) return controller.close();
          after = rows[rows.length - 1]?.seq ?? after;
          const text = await lines(rows);
          if (text.length > 0) return controller.enqueue(encoder.encode(`${text.join('\n')}\n`));
        }
      } catch (error) {
        const id = newErrorId();
        logInternalError(id, source.where, error);
        controller.error(new Error(internalErrorMessage(id)));
      }
    },
  });
  return new Response(body, { headers: { ...TEXT, ...headers } });
}
