import type { Db } from '../../db/client';
import { EVENTS_CHANNEL } from '../../db/queries/events';
import { listEventsAfter } from '../../db/queries/events';
import type { EventBus } from '../bus';

/** The part of a pg client the relay needs (LISTEN on its own connection). */
export interface ListeningClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  on(event: 'notification', fn: (n: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
  end(): Promise<void>;
}

/**
 * Brings events stored by other processes (runners) to this process's live
 * subscribers: runners NOTIFY `session:first:last:origin` on commit; for a
 * session someone here watches, the relay reads that range from the DB and
 * publishes it on the local bus. Streams drop what they already have by
 * sequence, so a lost or doubled notification costs nothing: the next
 * backfill (overflow, reconnect) reads the DB anyway.
 */
export class EventRelay {
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: { db: Db; bus: EventBus; client: ListeningClient; origin: string },
  ) {}

  async start(): Promise<void> {
    this.o.client.on('notification', (n) => {
      if (n.channel === EVENTS_CHANNEL && n.payload) this.queue = this.queue.then(() => this.relay(n.payload as string)).catch(() => undefined);
    });
    this.o.client.on('error', (e) => {
      if (!this.closed) console.error('event relay: connection lost:', e.message);
    });
    await this.o.client.connect();
    await this.o.client.query(`LISTEN ${EVENTS_CHANNEL}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.o.client.end().catch(() => undefined);
  }

  private async relay(payload: string): Promise<void> {
    const [sessionId, firstText, lastText, origin] = payload.split(':');
    if (!sessionId || origin === this.o.origin || this.o.bus.subscriberCount(sessionId) === 0) return;
    const first = Number(firstText);
    const last = Number(lastText);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return;
    const rows = await listEventsAfter(this.o.db, sessionId, first - 1, Math.min(last - first + 1, 5000));
    if (rows.length > 0) this.o.bus.publish(sessionId, rows);
  }
}
