import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getChain, getSession, getSessionDetail, listSessions } from '../../../db/queries/sessions';
import { runnerName } from '../../../db/queries/runners';
import { listCopySamples } from '../../../db/queries/transfers';
import { streamSessionEvents } from '../../sessions/stream';
import { strategySpecSchema, testSlotsSchema } from '../../engine/strategy/spec';
import { index32, lastEventId, plainPath } from '../inputs';
import { protectedProcedure, router } from '../trpc';
import { importProcedure, reportProcedure } from './session-documents';
import { buildCachesProcedure, configDiffProcedure, stepConfigProcedure, stepConfigsProcedure } from './step-configs';

const ref = z.string().trim().min(1, 'required').max(256);
const idInput = z.object({ id: z.string().uuid() });

export const createSessionInput = z.object({
  repoPath: z.string().trim().min(1, 'give the path of a local git repository').max(4096),
  bad: ref,
  good: z.array(ref).min(1, 'give at least one good ref').max(64),
  terms: z.object({ old: z.string().trim().min(1).max(40), new: z.string().trim().min(1).max(40) }).optional(),
  firstParent: z.boolean().optional(),
  paths: z.array(plainPath).max(256).optional(),
  recipe: z.unknown(),
  title: z.string().max(200).optional(),
  checkEndpoints: z.boolean().optional(),
  /** `{ kind: "git" }` (default) or `{ kind: "bayes", confidence?, maxRuns?, badFails?, goodFails? }`. */
  strategy: strategySpecSchema.optional(),
  /** Test slots, each a map from a role used in phases' `on` to a host name (or `local`). */
  slots: testSlotsSchema.optional(),
  /** The session this one continues: both pages show the chain, the report names both culprits. */
  parentId: z.string().uuid().optional(),
  /** Verify the culprit (revert it on the bad commit, test its parent again); default: the recipe's `verify`, else on in exact mode. */
  verify: z.boolean().optional(),
});

const verdict = z.enum(['good', 'bad', 'skip']);

export const sessionsRouter = router({
  create: protectedProcedure.input(createSessionInput).mutation(({ ctx, input }) =>
    ctx.runtime.sessions.create({ ...input, createdBy: ctx.principal.userId }),
  ),

  demo: protectedProcedure.mutation(({ ctx }) => ctx.runtime.sessions.startDemo(ctx.principal.userId)),

  list: protectedProcedure.query(async ({ ctx }) => listSessions(ctx.runtime.db.db)),

  byId: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const detail = await getSessionDetail(ctx.runtime.db.db, input.id);
    if (!detail) throw new TRPCError({ code: 'NOT_FOUND', message: `no session ${input.id}` });
    const s = detail.session;
    // Running here, or on another runner whose lease on it holds.
    const remote = s.status === 'running' && s.runnerId !== null && (s.leaseExpiresAt?.getTime() ?? 0) > Date.now();
    const runner = s.runnerId ? { id: s.runnerId, name: (await runnerName(ctx.runtime.db.db, s.runnerId)) ?? s.runnerId, since: s.runnerSince } : null;
    const chain = await getChain(ctx.runtime.db.db, s.id, s.parentId);
    return { ...detail, running: ctx.runtime.sessions.isRunning(input.id) || remote, runner, ...chain };
  }),

  /** Throughput samples of transfer copies, per copy (1-based `copy`), optionally of one step / phase. */
  samples: protectedProcedure
    .input(idInput.extend({ step: index32.optional(), phase: index32.optional() }))
    .query(async ({ ctx, input }) => {
      if (!(await getSession(ctx.runtime.db.db, input.id))) throw new TRPCError({ code: 'NOT_FOUND', message: `no session ${input.id}` });
      const filter: { step?: number; phase?: number } = {};
      if (input.step !== undefined) filter.step = input.step;
      if (input.phase !== undefined) filter.phase = input.phase;
      return listCopySamples(ctx.runtime.db.db, input.id, filter);
    }),

  cancel: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.sessions.cancel(input.id)),

  /** Finish the current step, start no new one. */
  pause: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.sessions.pause(input.id)),

  resume: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.sessions.resume(input.id)),

  /** Kill the current step and test its commit again from the first phase. */
  retry: protectedProcedure.input(idInput).mutation(({ ctx, input }) => ctx.runtime.sessions.retry(input.id)),

  /** A person's verdict for the step under test (good = old term, bad = new term). */
  markStep: protectedProcedure
    .input(idInput.extend({ verdict }))
    .mutation(({ ctx, input }) => ctx.runtime.sessions.markStep(input.id, input.verdict)),

  /** Change an earlier verdict; later steps are superseded and the bisect goes on from there. */
  undo: protectedProcedure
    .input(idInput.extend({ step: index32.min(1), verdict }))
    .mutation(({ ctx, input }) => ctx.runtime.sessions.undo(input.id, input.step, input.verdict)),

  import: importProcedure,

  report: reportProcedure,

  /** Steps with a stored .config (kconfig phases), one step's .config, and the diff of two steps' (diffconfig). */
  stepConfigs: stepConfigsProcedure,
  stepConfig: stepConfigProcedure,
  configDiff: configDiffProcedure,
  /** ccache's hit rate of build phases that compiled through ccache. */
  buildCaches: buildCachesProcedure,

  events: protectedProcedure
    .input(idInput.extend({ lastEventId: lastEventId.nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const after = input.lastEventId ? Number(input.lastEventId) : 0;
      for await (const batch of streamSessionEvents(ctx.runtime, input.id, after, signal ?? new AbortController().signal)) {
        yield tracked(String(batch.lastSeq), batch);
      }
    }),
});
