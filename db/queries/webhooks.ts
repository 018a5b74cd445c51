import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  webhookAttempts,
  webhookDeliveries,
  webhooks,
  type NewWebhook,
  type Webhook,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEvent,
} from '../schema';

/** A webhook as the API shows it: never the secret. */
export type WebhookSummary = Omit<Webhook, 'secret'>;

const summaryColumns = {
  id: webhooks.id,
  ownerId: webhooks.ownerId,
  name: webhooks.name,
  url: webhooks.url,
  events: webhooks.events,
  format: webhooks.format,
  shareLink: webhooks.shareLink,
  enabled: webhooks.enabled,
  createdAt: webhooks.createdAt,
  updatedAt: webhooks.updatedAt,
};

export async function insertWebhook(db: Db, row: NewWebhook): Promise<WebhookSummary> {
  const rows = await db.insert(webhooks).values(row).returning(summaryColumns);
  return rows[0] as WebhookSummary;
}

export async function listWebhooks(db: Db, ownerId: string): Promise<WebhookSummary[]> {
  return db.select(summaryColumns).from(webhooks).where(eq(webhooks.ownerId, ownerId)).orderBy(webhooks.createdAt);
}

/** The owner's webhook `id`, or null (another user's webhook is as unknown as a missing one). */
export async function getWebhook(db: Db, ownerId: string, id: string): Promise<WebhookSummary | null> {
  const rows = await db
    .select(summaryColumns)
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)))
    .limit(1);
  return rows[0] ?? null;
}

export async function updateWebhook(
  db: Db,
  ownerId: string,
  id: string,
  patch: Partial<Pick<Webhook, 'name' | 'url' | 'events' | 'format' | 'secret' | 'shareLink' | 'enabled'>>,
): Promise<WebhookSummary | null> {
  const rows = await db
    .update(webhooks)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)))
    .returning(summaryColumns);
  return rows[0] ?? null;
}

export async function deleteWebhook(db: Db, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)))
    .returning({ id: webhooks.id });
  return rows.length > 0;
}

/**
 * Queues one delivery per enabled webhook that listens for `event` and whose
 * owner can see the session. Called inside the transaction that records the
 * session's new status, so the outbox and the status commit together.
 *
 * Who sees a session (the one rule, here): the admin sees every session; any
 * other user sees the sessions they started (`sessions.created_by`).
 */
export async function enqueueSessionDeliveries(db: Db, sessionId: string, event: WebhookEvent, reason: string | null): Promise<void> {
  await db.execute(sql`
    insert into webhook_deliveries (id, webhook_id, session_id, event, reason)
    select gen_random_uuid()::text, w.id, ${sessionId}, ${event}, ${reason}
    from webhooks w
    join users u on u.id = w.owner_id
    join sessions s on s.id = ${sessionId}
    where w.enabled
      and w.events @> ${JSON.stringify([event])}::jsonb
      and (u.name = 'admin' or s.created_by = w.owner_id)`);
}

/** Queues a test delivery for one webhook (its owner asked for it). */
export async function enqueueTestDelivery(db: Db, webhookId: string, id: string): Promise<void> {
  await db.insert(webhookDeliveries).values({ id, webhookId, event: 'test' });
}

/** A delivery claimed for sending, with what the sender needs of its webhook. */
export interface ClaimedDelivery {
  delivery: WebhookDelivery;
  webhook: Webhook;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`: pending, due, and not
 * leased by another sender (`FOR UPDATE SKIP LOCKED`: senders in several
 * processes never take the same row). Counts the attempt at once, so a sender
 * that dies mid-request still uses one of the bounded attempts.
 */
export async function claimDueDeliveries(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const claimed = await db.execute<{ id: string }>(sql`
    update webhook_deliveries set locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1
    where id in (
      select d.id from webhook_deliveries d join webhooks w on w.id = d.webhook_id
      where d.status = 'pending' and d.next_attempt_at <= now() and (d.locked_until is null or d.locked_until < now()) and w.enabled
      order by d.next_attempt_at limit ${limit}
      for update of d skip locked)
    returning id`);
  const ids = rowsOf<{ id: string }>(claimed).map((r) => r.id);
  if (ids.length === 0) return [];
  const rows = await db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(inArray(webhookDeliveries.id, ids));
  return rows;
}

/** node-postgres returns `{ rows }`, PGlite an array-like result with `rows` too. */
function rowsOf<T>(result: unknown): T[] {
  const r = result as { rows?: T[] } | T[];
  return Array.isArray(r) ? r : (r.rows ?? []);
}

/** Fixes the bytes every attempt of this delivery sends. */
export async function setDeliveryBody(db: Db, id: string, body: string): Promise<void> {
  await db.update(webhookDeliveries).set({ body }).where(eq(webhookDeliveries.id, id));
}

export type AttemptRecord = Omit<WebhookAttempt, 'at'>;

/**
 * Stores one attempt and what follows from it: delivered, failed for good, or
 * due again at `retryAt`.
 */
export async function recordAttempt(db: Db, a: AttemptRecord, next: { delivered: true } | { delivered: false; retryAt: Date | null }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values(a).onConflictDoNothing();
    const done = next.delivered || next.retryAt === null;
    await tx
      .update(webhookDeliveries)
      .set({
        status: next.delivered ? 'delivered' : done ? 'failed' : 'pending',
        lockedUntil: null,
        ...(done ? { finishedAt: new Date() } : { nextAttemptAt: (next as { retryAt: Date }).retryAt }),
      })
      .where(eq(webhookDeliveries.id, a.deliveryId));
  });
}

/** A delivery in the log, with its attempts (oldest first). */
export type DeliveryListing = Omit<WebhookDelivery, 'body' | 'lockedUntil'> & { attemptLog: Omit<WebhookAttempt, 'deliveryId'>[] };

/** A webhook's latest deliveries, newest first. */
export async function listDeliveries(db: Db, webhookId: string, limit = 50): Promise<DeliveryListing[]> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(inArray(webhookAttempts.deliveryId, rows.map((r) => r.id)))
    .orderBy(webhookAttempts.attempt);
  return rows.map(({ body: _body, lockedUntil: _locked, ...d }) => ({
    ...d,
    attemptLog: attempts.filter((a) => a.deliveryId === d.id).map(({ deliveryId: _id, ...a }) => a),
  }));
}
