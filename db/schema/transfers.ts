import { bigint, doublePrecision, integer, jsonb, pgTable, primaryKey, real, text } from 'drizzle-orm/pg-core';
import { insertedAt } from './columns';
import type { CopyOutcome } from '../../server/engine/phases/transfer-stats';
import { phaseKey } from './sessions';

/** A stored sample: [seconds since the copy started, bytes sent, MB/s over the interval]. */
export type StoredSample = [t: number, bytes: number, rateMBps: number];

/**
 * One copy of a transfer phase. Inserted when the copy starts (`running`),
 * samples appended as they arrive, summary set when it ends. `copy` is
 * 1-based, as in the phase log ("copy 3/15").
 */
export const transferCopies = pgTable(
  'transfer_copies',
  {
    ...phaseKey(),
    copy: integer('copy').notNull(),
    copies: integer('copies').notNull(),
    payloadBytes: bigint('payload_bytes', { mode: 'number' }).notNull(),
    stallSec: real('stall_sec').notNull(),
    copyTimeoutSec: real('copy_timeout_sec').notNull(),
    outcome: text('outcome').$type<CopyOutcome | 'running'>().notNull().default('running'),
    /** Why a failed copy stopped (e.g. "stalled at 1.2 GiB after 20 s without progress"). */
    detail: text('detail').notNull().default(''),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    ms: integer('ms'),
    meanMBps: doublePrecision('mean_mbps'),
    minMBps: doublePrecision('min_mbps'),
    maxMBps: doublePrecision('max_mbps'),
    samples: jsonb('samples').$type<StoredSample[]>().notNull().default([]),
    startedAt: insertedAt('started_at'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.step, t.phase, t.copy] })],
);

export type TransferCopy = typeof transferCopies.$inferSelect;
