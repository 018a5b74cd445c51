import type { Runtime } from '../runtime';
import { streamSessionEvents, type EventBatch } from '../sessions/stream';
import { redactEvents } from './redacted-events';
import { shareServiceOf } from './runtime';
import { ShareNotFoundError } from './service';

/** How often a live stream re-checks that its share is still valid. */
export const SHARE_RECHECK_MS = 5_000;

/**
 * A shared session's events, resumable like the owner's stream, with every
 * payload passed through the share's redaction. Ends when the session ends;
 * a revoked or expired share ends it within SHARE_RECHECK_MS.
 */
export async function* streamSharedEvents(
  rt: Runtime,
  token: string,
  afterSeq: number,
  signal: AbortSignal,
  recheckMs = SHARE_RECHECK_MS,
): AsyncGenerator<EventBatch> {
  const service = shareServiceOf(rt);
  const { share, redactor } = await service.resolveWithRedactor(token);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let gone = false;
  const timer = setInterval(() => {
    service.resolve(token).catch(() => {
      gone = true;
      ctl.abort();
    });
  }, recheckMs);
  try {
    for await (const batch of streamSessionEvents(rt, share.sessionId, afterSeq, ctl.signal)) {
      if (gone) break;
      yield { lastSeq: batch.lastSeq, events: await redactEvents(batch.events, redactor, share.sessionId) };
    }
    if (gone) throw new ShareNotFoundError();
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
