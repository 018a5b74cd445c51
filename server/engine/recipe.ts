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

export const phaseSchema = z.discriminatedUnion('kind', [scriptPhaseSchema]);

export const recipeSchema = z.object({
  phases: z.array(phaseSchema).min(1, 'a recipe needs at least one phase').max(50),
});

export type PhaseSpec = z.infer<typeof phaseSchema>;
export type ScriptPhaseSpec = z.infer<typeof scriptPhaseSchema>;
export type Recipe = z.infer<typeof recipeSchema>;
/** Recipe as users write it (defaults not yet applied). */
export type RecipeInput = z.input<typeof recipeSchema>;
