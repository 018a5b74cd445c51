import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/client';
import {
  deleteWebhook,
  enqueueTestDelivery,
  getWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  updateWebhook,
  type DeliveryListing,
  type WebhookSummary,
} from '../../db/queries/webhooks';
import type { WebhookEvent, WebhookFormat } from '../../db/schema';
import { UserInputError } from '../engine/types';
import type { SecretBox } from '../secrets/box';
import { sealForStorage } from '../secrets/sealed';
import { checkWebhookUrl } from './url';

export const WEBHOOK_EVENTS = ['done', 'failed', 'cancelled', 'paused'] as const satisfies readonly WebhookEvent[];
export const WEBHOOK_FORMATS = ['json', 'slack', 'matrix'] as const satisfies readonly WebhookFormat[];

export interface WebhookFields {
  name?: string | undefined;
  url: string;
  events: WebhookEvent[];
  format?: WebhookFormat | undefined;
  /** Signs every body; omitted at create: a random one is made and returned once. */
  secret?: string | undefined;
  shareLink?: boolean | undefined;
  enabled?: boolean | undefined;
}

/** Thrown for a webhook id the caller does not own (or that does not exist). */
export class WebhookNotFound extends Error {
  override readonly name = 'WebhookNotFound';
}

/**
 * Webhooks of one owner: each user sees, changes and is notified through only
 * their own. The secret goes in sealed and never comes back out.
 */
export class WebhookService {
  constructor(private readonly o: { db: Db; secretBox: () => Promise<SecretBox>; wake?: () => void }) {}

  list(ownerId: string): Promise<WebhookSummary[]> {
    return listWebhooks(this.o.db, ownerId);
  }

  /** The new webhook, and its secret (the only time it is returned). */
  async create(ownerId: string, f: WebhookFields): Promise<{ webhook: WebhookSummary; secret: string }> {
    const url = checkWebhookUrl(f.url);
    const secret = f.secret ? checkSecret(f.secret) : randomBytes(24).toString('base64url');
    const webhook = await insertWebhook(this.o.db, {
      id: randomUUID(),
      ownerId,
      name: f.name?.trim() || new URL(url).host,
      url,
      events: checkEvents(f.events),
      format: f.format ?? 'json',
      secret: sealForStorage(await this.o.secretBox(), secret),
      shareLink: f.shareLink ?? false,
      enabled: f.enabled ?? true,
    });
    return { webhook, secret };
  }

  /** Changes the given fields; an omitted or empty secret keeps the stored one. */
  async update(ownerId: string, id: string, f: Partial<WebhookFields>): Promise<WebhookSummary> {
    const patch = {
      ...(f.name?.trim() ? { name: f.name.trim() } : {}),
      ...(f.url !== undefined ? { url: checkWebhookUrl(f.url) } : {}),
      ...(f.events !== undefined ? { events: checkEvents(f.events) } : {}),
      ...(f.format !== undefined ? { format: f.format } : {}),
      ...(f.secret ? { secret: sealForStorage(await this.o.secretBox(), checkSecret(f.secret)) } : {}),
      ...(f.shareLink !== undefined ? { shareLink: f.shareLink } : {}),
      ...(f.enabled !== undefined ? { enabled: f.enabled } : {}),
    };
    const row = await updateWebhook(this.o.db, ownerId, id, patch);
    if (!row) throw new WebhookNotFound(`no webhook ${id}`);
    return row;
  }

  async delete(ownerId: string, id: string): Promise<{ deleted: true }> {
    if (!(await deleteWebhook(this.o.db, ownerId, id))) throw new WebhookNotFound(`no webhook ${id}`);
    return { deleted: true };
  }

  async deliveries(ownerId: string, id: string, limit?: number): Promise<DeliveryListing[]> {
    await this.own(ownerId, id);
    return listDeliveries(this.o.db, id, limit);
  }

  /** Queues a test message; the engine process's outbox loop sends it. */
  async sendTest(ownerId: string, id: string): Promise<{ deliveryId: string }> {
    await this.own(ownerId, id);
    const deliveryId = randomUUID();
    await enqueueTestDelivery(this.o.db, id, deliveryId);
    this.o.wake?.();
    return { deliveryId };
  }

  private async own(ownerId: string, id: string): Promise<WebhookSummary> {
    const row = await getWebhook(this.o.db, ownerId, id);
    if (!row) throw new WebhookNotFound(`no webhook ${id}`);
    return row;
  }
}

function checkEvents(events: WebhookEvent[]): WebhookEvent[] {
  const unique = [...new Set(events)];
  if (unique.length === 0) throw new UserInputError('pick at least one event (done, failed, cancelled, paused)', 'events');
  return unique;
}

function checkSecret(secret: string): string {
  if (secret.length < 16) throw new UserInputError('the secret must be at least 16 characters (receivers check signatures with it)', 'secret');
  if (secret.length > 256) throw new UserInputError('the secret must be at most 256 characters', 'secret');
  return secret;
}
