/**
 * Session procedures about documents rather than runs: importing a
 * `git bisect log` made elsewhere, and the upstream report. Registered on the
 * sessions router as `sessions.import` and `sessions.report`.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getChain, getSessionDetail } from '../../../db/queries/sessions';
import { importBisectLog } from '../../import/import';
import { hostFacts } from '../../report/host-facts';
import { upstreamReport } from '../../report/upstream';
import { protectedProcedure } from '../trpc';

export const importProcedure = protectedProcedure
  .input(
    z.object({
      // The size limit (10 MB) is checked by the import itself, with a message that says so.
      log: z.string(),
      repoPath: z.string().trim().max(4096).optional(),
    }),
  )
  .mutation(({ ctx, input }) => importBisectLog(ctx.runtime.db.db, input));

export const reportProcedure = protectedProcedure
  .input(z.object({ id: z.string().uuid(), shareUrl: z.string().url().max(2048).optional() }))
  .query(async ({ ctx, input }) => {
    const detail = await getSessionDetail(ctx.runtime.db.db, input.id);
    if (!detail) throw new TRPCError({ code: 'NOT_FOUND', message: `no session ${input.id}` });
    const chain = await getChain(ctx.runtime.db.db, detail.session.id, detail.session.parentId);
    return { text: upstreamReport(detail, { shareUrl: input.shareUrl ?? null, hosts: hostFacts(), chain }) };
  });
