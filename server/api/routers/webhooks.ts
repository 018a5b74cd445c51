import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { webhookServiceOf } from '../../notifications/runtime';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS, WebhookNotFound } from '../../notifications/service';
import { MAX_URL_LENGTH } from '../../notifications/url';
import { protectedProcedure, router } from '../trpc';

const id = z.object({ id: z.string().uuid() });
const fields = {
  name: z.string().max(200).optional(),
  /** http(s) only, no credentials; checked further by the service. */
  url: z.string().max(MAX_URL_LENGTH, `the URL is longer than ${MAX_URL_LENGTH} characters`),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'pick at least one event').max(8),
  /** `json` (default), or the `slack` / `matrix` incoming-webhook message. */
  format: z.enum(WEBHOOK_FORMATS).optional(),
  /** Signs bodies (`X-Bisect-Signature: sha256=…`); 16-256 characters. Omitted at create: one is made and returned once. */
  secret: z.string().max(256).optional(),
  /** Send a read-only share link (hosts hidden) made for the session. */
  shareLink: z.boolean().optional(),
  enabled: z.boolean().optional(),
};

/** A webhook id the caller does not own is as unknown as a missing one. */
async function owned<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WebhookNotFound) throw new TRPCError({ code: 'NOT_FOUND', message: error.message });
    throw error;
  }
}

export const webhooksRouter = router({
  list: protectedProcedure.query(({ ctx }) => webhookServiceOf(ctx.runtime).list(ctx.principal.userId)),

  /** Returns the webhook and its secret: the only time the secret leaves the server. */
  create: protectedProcedure.input(z.object(fields)).mutation(({ ctx, input }) => webhookServiceOf(ctx.runtime).create(ctx.principal.userId, input)),

  /** Changes the given fields; an omitted or empty secret keeps the stored one. */
  update: protectedProcedure
    .input(id.extend(z.object(fields).partial().shape))
    .mutation(({ ctx, input: { id: hook, ...patch } }) => owned(() => webhookServiceOf(ctx.runtime).update(ctx.principal.userId, hook, patch))),

  delete: protectedProcedure.input(id).mutation(({ ctx, input }) => owned(() => webhookServiceOf(ctx.runtime).delete(ctx.principal.userId, input.id))),

  /** The latest deliveries, newest first, each with its attempts (response code, excerpt, error). */
  deliveries: protectedProcedure
    .input(id.extend({ limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) => owned(() => webhookServiceOf(ctx.runtime).deliveries(ctx.principal.userId, input.id, input.limit))),

  /** Queues a test message to the webhook. */
  test: protectedProcedure.input(id).mutation(({ ctx, input }) => owned(() => webhookServiceOf(ctx.runtime).sendTest(ctx.principal.userId, input.id))),
});
