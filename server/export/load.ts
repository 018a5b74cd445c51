import type { Db } from '../../db/client';
import type { SessionDetail } from '../../db/queries/sessions';
import { listFinishedCopyEvents } from '../../db/queries/export';
import { buildSessionExport, type ExportTransfer, type SessionExport } from './session-export';

/** The export document of a stored session; `redact` lets share routes clean the transfers too. */
export async function loadSessionExport(
  db: Db,
  sessionId: string,
  detail: SessionDetail,
  redact: <T>(v: T) => T = (v) => v,
): Promise<SessionExport> {
  const rows = await listFinishedCopyEvents(db, sessionId);
  const transfers: ExportTransfer[] = rows.map((r) => {
    const { type: _type, ...rest } = r.payload as unknown as Record<string, unknown>;
    return redact({ ...rest, step: r.step, phase: r.phase });
  });
  return buildSessionExport(detail, transfers, new Date());
}
