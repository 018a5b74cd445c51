import { z } from 'zod';
import { protectedProcedure, router } from '../trpc';

/**
 * Hosts phases run on. Thin: shapes only; HostService validates the values and
 * answers with errors naming the field. Secrets (the key passphrase) go in,
 * never out: `list` says `hasPassphrase`.
 */
const powerCycle = z.union([z.string(), z.object({ on: z.string().optional(), run: z.string() })]).nullish();

const hostFields = {
  name: z.string(),
  address: z.string(),
  port: z.number().nullish(),
  user: z.string().nullish(),
  identityFile: z.string().nullish(),
  passphrase: z.string().nullish(),
  useAgent: z.boolean().optional(),
  hostKeyPolicy: z.enum(['strict', 'accept-new']).optional(),
  powerCycle,
};

const idInput = z.object({ id: z.string() });

export const hostsRouter = router({
  list: protectedProcedure.query(({ ctx }) => ctx.runtime.hosts.list()),

  create: protectedProcedure.input(z.object(hostFields)).mutation(({ ctx, input }) => ctx.runtime.hosts.create(input)),

  update: protectedProcedure
    .input(
      z
        .object(hostFields)
        .partial()
        /** forgetPinnedKeys drops the keys accepted in the app (after a host was reinstalled). */
        .extend({ id: z.string(), forgetPinnedKeys: z.boolean().optional() }),
    )
    .mutation(({ ctx, input }) => ctx.runtime.hosts.update(input)),

  remove: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.hosts.remove(input.id)),

  test: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.hosts.test(input.id)),

  acceptKey: protectedProcedure
    .input(z.object({ id: z.string(), fingerprint: z.string().max(100) }))
    .mutation(({ ctx, input }) => ctx.runtime.hosts.acceptKey(input.id, input.fingerprint)),
});
