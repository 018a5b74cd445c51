import { z } from 'zod';

/**
 * Input bounds shared by routers: what the database and git can take, refused
 * as BAD_REQUEST with a message before anything runs.
 */

/** Largest step, phase or copy number: the columns are 32-bit integers. */
export const MAX_INDEX = 2 ** 31 - 1;

/** A step or phase number. */
export const index32 = z.number().int().min(0).max(MAX_INDEX, `at most ${MAX_INDEX}`);

/** A resumed stream's last sequence number: a whole number the event log can hold. */
export const lastEventId = z
  .string()
  .regex(/^\d{1,16}$/, 'lastEventId must be a whole number')
  .refine((v) => Number(v) <= Number.MAX_SAFE_INTEGER, 'lastEventId is larger than any event number');

/**
 * A path to limit a bisect to (`git bisect start … -- <path>`): a plain path,
 * not git's pathspec magic (`:(glob)…`, `:!…`), which git would refuse or read
 * as something else. Empty entries are allowed (and ignored by the engine).
 */
export const plainPath = z
  .string()
  .max(4096)
  .refine((p) => !p.trim().startsWith(':'), 'pathspec magic (a path starting with ":") is not supported: give plain paths inside the repository');
