/**
 * The .configs kconfig phases stored with steps: which steps have one, one
 * step's text, and the diff between two steps (as scripts/diffconfig prints
 * it), plus ccache's hit rate of build phases. Registered on the sessions
 * router as `sessions.stepConfigs`, `sessions.stepConfig`, `sessions.configDiff`
 * and `sessions.buildCaches`.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getSession } from '../../../db/queries/sessions';
import { getStepConfig, listBuildCaches, listStepConfigInfos } from '../../../db/queries/step-configs';
import type { Db } from '../../../db/client';
import { diffConfigs, formatConfigDiff } from '../../../lib/kconfig-diff';
import { index32 } from '../inputs';
import { protectedProcedure } from '../trpc';

const id = z.string().uuid();

async function sessionOr404(db: Db, sessionId: string): Promise<void> {
  if (!(await getSession(db, sessionId))) throw new TRPCError({ code: 'NOT_FOUND', message: `no session ${sessionId}` });
}

async function configOr404(db: Db, sessionId: string, step: number, phase?: number) {
  const config = await getStepConfig(db, sessionId, step, phase);
  if (!config) {
    const which = phase === undefined ? '' : ` phase ${phase}`;
    throw new TRPCError({ code: 'NOT_FOUND', message: `step ${step}${which} has no stored .config (no kconfig phase ran to the end there)` });
  }
  return config;
}

export const stepConfigsProcedure = protectedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
  await sessionOr404(ctx.runtime.db.db, input.id);
  return listStepConfigInfos(ctx.runtime.db.db, input.id);
});

export const stepConfigProcedure = protectedProcedure
  .input(z.object({ id, step: index32, phase: index32.optional() }))
  .query(async ({ ctx, input }) => {
    await sessionOr404(ctx.runtime.db.db, input.id);
    return configOr404(ctx.runtime.db.db, input.id, input.step, input.phase);
  });

/** `step`'s .config against `against`'s: `-` only in `against`, `+` only in `step`, changed values. */
export const configDiffProcedure = protectedProcedure
  .input(z.object({ id, step: index32, against: index32 }))
  .query(async ({ ctx, input }) => {
    const db = ctx.runtime.db.db;
    await sessionOr404(db, input.id);
    const [from, to] = [await configOr404(db, input.id, input.against), await configOr404(db, input.id, input.step)];
    const diff = diffConfigs(from.text, to.text);
    return { from: from.step, to: to.step, ...diff, text: formatConfigDiff(diff) };
  });

/** ccache's hits, misses and hit rate per build phase that compiled through ccache. */
export const buildCachesProcedure = protectedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
  await sessionOr404(ctx.runtime.db.db, input.id);
  return listBuildCaches(ctx.runtime.db.db, input.id);
});
