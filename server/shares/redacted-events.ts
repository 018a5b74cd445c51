import type { StoredEvent } from '../../db/schema';
import { redactJson, type Redactor } from './redact';

type SharedEvent = Pick<StoredEvent, 'seq' | 'payload'>;

/** Characters redacted between two turns of the event loop: one share request never holds the server for long. */
const SLICE_CHARS = 512 * 1024;
/** Total characters of redacted payloads kept for other viewers of the same share. */
const CACHE_CHARS = 32 * 1024 * 1024;
/** Payloads smaller than this are redacted again rather than cached (cheap, and they would crowd the cache). */
const CACHE_MIN_CHARS = 1024;

/**
 * Redacted event payloads, shared by every request of the process. Stored
 * events never change, so a payload redacted once under a redactor key is
 * reused by every later viewer and page load: least recently used first out,
 * bounded by CACHE_CHARS. On globalThis: Next.js loads modules twice.
 */
class RedactionCache {
  private readonly entries = new Map<string, { payload: StoredEvent['payload']; chars: number }>();
  private chars = 0;

  get(key: string): StoredEvent['payload'] | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.payload;
  }

  set(key: string, payload: StoredEvent['payload'], chars: number): void {
    if (chars > CACHE_CHARS / 16) return;
    const old = this.entries.get(key);
    if (old) this.chars -= old.chars;
    this.entries.delete(key);
    this.entries.set(key, { payload, chars });
    this.chars += chars;
    for (const [k, e] of this.entries) {
      if (this.chars <= CACHE_CHARS) break;
      this.entries.delete(k);
      this.chars -= e.chars;
    }
  }
}

const cacheKey = Symbol.for('bisect-dashboard.share-redaction-cache');
function cache(): RedactionCache {
  const g = globalThis as { [cacheKey]?: RedactionCache };
  return (g[cacheKey] ??= new RedactionCache());
}

/** Rough size of a payload's text: output lines counted exactly, anything else as a small constant. */
function textSize(payload: StoredEvent['payload']): number {
  return payload.type === 'output' ? payload.lines.reduce((n, l) => n + l.length, 0) : 256;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `events` of session `sessionId` as a share with `redactor` shows them, in
 * order. Cached per (redactor, session, seq); yields to the event loop after
 * every SLICE_CHARS of fresh redaction.
 */
export async function redactEvents(events: readonly SharedEvent[], redactor: Redactor, sessionId: string): Promise<SharedEvent[]> {
  const c = cache();
  const out: SharedEvent[] = [];
  let sinceTurn = 0;
  for (const e of events) {
    const key = `${redactor.key}:${sessionId}:${e.seq}`;
    const size = textSize(e.payload);
    let payload = size >= CACHE_MIN_CHARS ? c.get(key) : undefined;
    if (!payload) {
      if (sinceTurn >= SLICE_CHARS) {
        await nextTurn();
        sinceTurn = 0;
      }
      payload = redactJson(e.payload, redactor);
      sinceTurn += size;
      if (size >= CACHE_MIN_CHARS) c.set(key, payload, size);
    }
    out.push({ seq: e.seq, payload });
  }
  return out;
}
