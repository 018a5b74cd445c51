import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { userRef } from './auth';
import { cascadeRef, createdAt, insertedAt, textId, timestamptz, updatedAt } from './columns';
import { sessions } from './sessions';

/** What a webhook can be told about: a session that ended well, failed, was cancelled, or paused on an infrastructure error. */
export type WebhookEvent = 'done' | 'failed' | 'cancelled' | 'paused';
/** How the body is shaped: the dashboard's JSON, or a Slack / Matrix incoming-webhook message. */
export type WebhookFormat = 'json' | 'slack' | 'matrix';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * An HTTP endpoint told when sessions its owner can see end, fail or pause on
 * an infrastructure error. `secret` signs the bodies (HMAC-SHA256); it is
 * stored sealed (`sealed:` + AES-256-GCM, like host key passphrases) and
 * never leaves the server after create.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: textId(),
    ownerId: userRef('owner_id'),
    name: text('name').notNull(),
    url: text('url').notNull(),
    events: jsonb('events').$type<WebhookEvent[]>().notNull(),
    format: text('format').$type<WebhookFormat>().notNull().default('json'),
    secret: text('secret').notNull(),
    /** Create a read-only share link (hosts hidden) for the session and send it along. */
    shareLink: boolean('share_link').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_owner_idx').on(t.ownerId)],
);

/**
 * The outbox and its log: one row per (webhook, event), written in the
 * transaction that records the session's new status, drained by whichever
 * process runs the engine. `body` is fixed at the first attempt, so every
 * retry sends (and signs) the same bytes. `lockedUntil` is a sender's lease.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: textId(),
    webhookId: cascadeRef('webhook_id', () => webhooks.id),
    /** Null for a test delivery. */
    sessionId: text('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    event: text('event').$type<WebhookEvent | 'test'>().notNull(),
    /** Why the session paused or failed, as recorded with the event. */
    reason: text('reason'),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: insertedAt('next_attempt_at'),
    lockedUntil: timestamptz('locked_until'),
    body: text('body'),
    createdAt: createdAt(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt), index('webhook_deliveries_hook_idx').on(t.webhookId, t.createdAt)],
);

/** One HTTP attempt of a delivery: the response code and a short excerpt, or the error. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: cascadeRef('delivery_id', () => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    at: insertedAt('at'),
    statusCode: integer('status_code'),
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    ms: integer('ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

export type Webhook = typeof webhooks.$inferSelect;
export type NewWebhook = typeof webhooks.$inferInsert;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookAttempt = typeof webhookAttempts.$inferSelect;
