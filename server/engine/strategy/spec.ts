import { z } from 'zod';

/**
 * The public `strategy` input of `sessions.create` (a contract: add fields,
 * never rename). Absent means `git`: one verdict per step, git's own rules.
 */
export const strategySpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('git') }).strict(),
  z
    .object({
      kind: z.literal('bayes'),
      /** Stop when one commit is the first bad one with this probability. */
      confidence: z.number().min(0.5).max(0.9999).optional(),
      /** Most runs in all (skips included) before giving up. */
      maxRuns: z.number().int().min(1).max(100_000).optional(),
      /** What the user knows: a bad commit fails about this often. */
      badFails: z.number().gt(0).max(1).optional(),
      /** What the user knows: a good commit fails about this often (0 = never). */
      goodFails: z.number().min(0).lt(1).optional(),
    })
    .strict(),
]);

export type StrategySpec = z.infer<typeof strategySpecSchema>;

/** A test slot: role names used in phases' `on` mapped to host names (or `local`). */
export const testSlotSchema = z
  .record(z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'a role name is letters, digits, _ . -'), z.string().min(1).max(100))
  .refine((m) => Object.keys(m).length <= 32, 'at most 32 roles per slot');

export type TestSlot = z.infer<typeof testSlotSchema>;

export const MAX_SLOTS = 16;
export const testSlotsSchema = z.array(testSlotSchema).min(1).max(MAX_SLOTS);

/** Default target confidence of a flaky-mode session. */
export const DEFAULT_CONFIDENCE = 0.95;
