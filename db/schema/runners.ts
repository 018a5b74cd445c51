import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { createdAt, insertedAt, textId, timestamptz } from './columns';
import { sessionRef } from './sessions';

/**
 * A process that runs sessions: the web server's own engine (ENGINE=on) or a
 * `npm run runner` elsewhere. It renews `heartbeatAt` and the leases of the
 * sessions it owns; a runner whose heartbeat is older than the lease time is
 * presumed dead and its sessions are taken over.
 */
export const runners = pgTable('runners', {
  id: textId(),
  /** host name and pid, for people. */
  name: text('name').notNull(),
  /** Repository roots (absolute paths) and host names it can serve; empty = anything. */
  tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  startedAt: insertedAt('started_at'),
  heartbeatAt: insertedAt('heartbeat_at'),
  stoppedAt: timestamptz('stopped_at'),
  /** Steps running now across its sessions. */
  slotsInUse: integer('slots_in_use').notNull().default(0),
});

export type ControlKind = 'pause' | 'resume' | 'cancel' | 'retry' | 'markStep' | 'undo';

/**
 * A control sent to the runner that owns a session (the web server may run no
 * engine). The owner carries it out with its own session service and writes
 * the result; the sender waits for it.
 */
export const sessionControls = pgTable(
  'session_controls',
  {
    id: serial('id').primaryKey(),
    sessionId: sessionRef(),
    kind: text('kind').$type<ControlKind>().notNull(),
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
    doneAt: timestamptz('done_at'),
    result: jsonb('result').$type<unknown>(),
    /** A user-facing error message, when the control was refused. */
    error: text('error'),
  },
  (t) => [index('session_controls_pending_idx').on(t.sessionId, t.doneAt)],
);

/**
 * A host in use by one step of one session, across runners: a step takes the
 * leases of its slot's hosts before it starts and gives them back after; an
 * expired lease (a dead runner) may be taken by another.
 */
export const hostLeases = pgTable('host_leases', {
  host: text('host').primaryKey(),
  sessionId: text('session_id').notNull(),
  step: integer('step').notNull(),
  runnerId: text('runner_id').notNull(),
  token: bigint('token', { mode: 'number' }).notNull().default(0),
  expiresAt: timestamptz('expires_at').notNull(),
});

export type Runner = typeof runners.$inferSelect;
export type SessionControl = typeof sessionControls.$inferSelect;
