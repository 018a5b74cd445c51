import { boolean, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { sessions } from '../schema';

/**
 * A read-only link to one session (`/s/<token>`). Only the SHA-256 of the token
 * is stored: the raw token is shown once, when the share is created, and a
 * database leak does not leak working links. `tokenHint` is the token's first
 * few characters, for telling shares apart in a list.
 */
export const shares = pgTable(
  'shares',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** Lower-case hex SHA-256 of the raw token. */
    tokenHash: text('token_hash').notNull().unique(),
    tokenHint: text('token_hint').notNull(),
    /** Replace host names and addresses with neutral aliases on the shared page. */
    hideHosts: boolean('hide_hosts').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('shares_session_idx').on(t.sessionId, t.createdAt)],
);

export type Share = typeof shares.$inferSelect;
export type NewShare = typeof shares.$inferInsert;
