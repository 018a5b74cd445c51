import type { Db } from '../../db/client';
import { getSession } from '../../db/queries/sessions';
import { claimDueDeliveries, recordAttempt, setDeliveryBody, type ClaimedDelivery } from '../../db/queries/webhooks';
import type { SecretBox } from '../secrets/box';
import { buildPayload, renderBody } from './payload';
import { postOnce, signature, type SendOptions } from './send';
import { openStored, sealForStorage } from '../secrets/sealed';

export interface DelivererOptions {
  db: Db;
  secretBox: SecretBox;
  /** The dashboard's public address, for session links (no trailing slash). */
  baseUrl: string;
  /** Makes a read-only share link (hosts hidden) for a session; returns its URL. */
  createShareUrl?: (sessionId: string) => Promise<string>;
  /** Attempts per delivery before it is marked failed (default 6). */
  maxAttempts?: number;
  /** First retry delay; each further one is 4× longer (default 10 s: 10 s, 40 s, 160 s, ~11 min, ~43 min). */
  backoffMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** How often the outbox is looked at when nothing pokes it (default 2 s). */
  pollMs?: number;
  send?: Partial<SendOptions>;
}

/** A claim outlives the slowest request: then another sender may take the delivery. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Drains the webhook outbox in the process that runs the engine: claims due
 * deliveries (SKIP LOCKED, so several runners share the work), builds and
 * fixes each body at its first attempt, signs it, POSTs it with a timeout, and
 * records the attempt. Failures retry with exponential backoff up to
 * `maxAttempts`. Never throws into its caller; a slow receiver holds at most
 * one of `concurrency` slots for `timeoutMs`.
 */
export class WebhookDeliverer {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<number> | null = null;
  /** Set by stop(): nothing is claimed any more (a wake-up after stop does nothing). */
  private stopped = false;
  private readonly send: SendOptions;

  constructor(private readonly o: DelivererOptions) {
    this.send = { timeoutMs: 10_000, maxResponseBytes: 4096, ...o.send };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.draining?.catch(() => undefined);
  }

  /** Sends what is due now (one claim round per free slot batch); resolves with how many attempts were made. */
  drainOnce(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.draining ??= this.drain().finally(() => (this.draining = null));
    return this.draining;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.drainOnce()
        .catch((e: unknown) => console.error('bisect dashboard: webhook outbox:', e instanceof Error ? e.message : e))
        .finally(() => this.schedule(this.o.pollMs ?? 2000));
    }, ms);
    this.timer.unref?.();
  }

  private async drain(): Promise<number> {
    const leaseMs = this.send.timeoutMs + LEASE_MARGIN_MS;
    let attempts = 0;
    for (;;) {
      const batch = await claimDueDeliveries(this.o.db, this.o.concurrency ?? 4, leaseMs);
      if (batch.length === 0) return attempts;
      await Promise.all(batch.map((c) => this.attempt(c)));
      attempts += batch.length;
      if (this.stopped) return attempts;
    }
  }

  private async attempt({ delivery, webhook }: ClaimedDelivery): Promise<void> {
    const attempt = delivery.attempts;
    const secret = openStored(this.o.secretBox, webhook.secret);
    const result = secret === null
      ? { statusCode: null, excerpt: null, ok: false, ms: 0, error: 'the webhook secret cannot be opened here (DATA_DIR/secret.key differs from the one it was sealed with): set the secret again in Settings → Notifications' }
      : await this.post(delivery, webhook, secret).catch((e: unknown) => ({
          statusCode: null,
          excerpt: null,
          ok: false,
          ms: 0,
          error: `could not build the message: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300),
        }));
    const last = attempt >= (this.o.maxAttempts ?? 6);
    const retryAt = last ? null : new Date(Date.now() + (this.o.backoffMs ?? 10_000) * 4 ** (attempt - 1));
    await recordAttempt(
      this.o.db,
      { deliveryId: delivery.id, attempt, statusCode: result.statusCode, responseExcerpt: result.excerpt, error: result.error, ms: result.ms },
      result.ok ? { delivered: true } : { delivered: false, retryAt },
    );
  }

  private async post(delivery: ClaimedDelivery['delivery'], webhook: ClaimedDelivery['webhook'], secret: string) {
    // Stored sealed: a body may hold a share link, which the database otherwise keeps only as a hash.
    let body = delivery.body === null ? null : openStored(this.o.secretBox, delivery.body);
    if (body === null) {
      body = await this.bodyOf(delivery, webhook);
      await setDeliveryBody(this.o.db, delivery.id, sealForStorage(this.o.secretBox, body));
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'bisect-dashboard-webhook',
      'x-bisect-event': delivery.event,
      'x-bisect-delivery': delivery.id,
      'x-bisect-signature': signature(secret, body),
    };
    return postOnce(webhook.url, body, headers, this.send);
  }

  private async bodyOf(delivery: ClaimedDelivery['delivery'], webhook: ClaimedDelivery['webhook']): Promise<string> {
    const session = delivery.sessionId ? await getSession(this.o.db, delivery.sessionId) : null;
    const shareUrl = session && webhook.shareLink && this.o.createShareUrl ? await this.o.createShareUrl(session.id) : null;
    const payload = buildPayload({ event: delivery.event, deliveryId: delivery.id, session, reason: delivery.reason, baseUrl: this.o.baseUrl, shareUrl });
    return renderBody(webhook.format, payload);
  }
}
