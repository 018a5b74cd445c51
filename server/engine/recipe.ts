import { z } from 'zod';

/**
 * A recipe is plain JSON users save and keep in their repositories. Field names
 * here are a public contract: add fields, never rename or drop them.
 */
const phaseBase = {
  name: z.string().min(1).max(100),
  /** Where the phase runs: `local` (the session's worktree) or a host name. */
  on: z.string().min(1).max(100).default('local'),
  timeoutSec: z.number().int().positive().max(7 * 24 * 3600).default(3600),
  onFailure: z.enum(['exitcode', 'bad', 'skip', 'abort']).default('exitcode'),
  onTimeout: z.enum(['bad', 'skip', 'abort']).default('bad'),
};

export const scriptPhaseSchema = z.object({
  ...phaseBase,
  kind: z.literal('script'),
  run: z.string().min(1).max(100_000),
});

/**
 * Copies a payload to a host `copies` times over SSH, each copy into `sink`
 * there, sampling throughput as it goes. A copy that makes no progress for
 * `stallSec`, or takes longer than `copyTimeoutSec`, fails at once (later
 * copies are not attempted) and `onFailure` says what that means.
 */
export const transferPhaseSchema = z
  .object({
    ...phaseBase,
    kind: z.literal('transfer'),
    on: z
      .string({ error: 'a transfer phase needs "on": the name of the host to copy to' })
      .min(1)
      .max(100)
      .refine((v) => v !== 'local', 'a transfer phase copies to a host: set "on" to a host name, not "local"'),
    /** Bounds the whole phase; by default only the per-copy limits do. */
    timeoutSec: phaseBase.timeoutSec.removeDefault().default(7 * 24 * 3600),
    onFailure: phaseBase.onFailure.removeDefault().default('bad'),
    copies: z.number().int().min(1).max(1000).default(15),
    /** Generated payload of this many bytes (no file needed). */
    bytes: z.number().int().positive().max(2 ** 50).optional(),
    /** Or a local file (relative paths are taken from the session's worktree). */
    file: z.string().min(1).max(4096).optional(),
    /** Where each copy goes on the host: `/dev/null` or a file path (written with `cat > PATH`). */
    sink: z.string().min(1).max(4096).default('/dev/null'),
    copyTimeoutSec: z.number().positive().max(7 * 24 * 3600).default(180),
    stallSec: z.number().positive().max(24 * 3600).default(20),
  })
  .superRefine((p, ctx) => {
    if ((p.bytes === undefined) === (p.file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['bytes'],
        message: 'a transfer phase needs its payload: either "bytes" (generated, e.g. 2147483648) or "file" (a local path), not both',
      });
    }
  });

export const phaseSchema = z.discriminatedUnion('kind', [scriptPhaseSchema, transferPhaseSchema]);

export const recipeSchema = z.object({
  phases: z.array(phaseSchema).min(1, 'a recipe needs at least one phase').max(50),
});

export type PhaseSpec = z.infer<typeof phaseSchema>;
export type ScriptPhaseSpec = z.infer<typeof scriptPhaseSchema>;
export type TransferPhaseSpec = z.infer<typeof transferPhaseSchema>;
export type Recipe = z.infer<typeof recipeSchema>;
/** Recipe as users write it (defaults not yet applied). */
export type RecipeInput = z.input<typeof recipeSchema>;
