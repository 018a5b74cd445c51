import { z } from 'zod';
import { publicProcedure, router } from '../trpc';

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
  list: publicProcedure.query(({ ctx }) => ctx.runtime.hosts.list()),

  create: publicProcedure.input(z.object(hostFields)).mutation(({ ctx, input }) => ctx.runtime.hosts.create(input)),

  update: publicProcedure
    .input(
      z
        .object(hostFields)
        .partial()
        /** forgetPinnedKeys drops the keys accepted in the app (after a host was reinstalled). */
        .extend({ id: z.string(), forgetPinnedKeys: z.boolean().optional() }),
    )
    .mutation(({ ctx, input }) => ctx.runtime.hosts.update(input)),

  remove: publicProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.hosts.remove(input.id)),

  test: publicProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.hosts.test(input.id)),

  acceptKey: publicProcedure
    .input(z.object({ id: z.string(), fingerprint: z.string().max(100) }))
    .mutation(({ ctx, input }) => ctx.runtime.hosts.acceptKey(input.id, input.fingerprint)),
});
