import { text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * Column helpers the table files share. Each call makes a new column builder,
 * so a helper is the same as writing the column out: the generated migration
 * does not change.
 */

/** Every time in the schema is a timestamp with time zone. */
export const timestamptz = <N extends string>(name: N) => timestamp(name, { withTimezone: true });

/** A time the database sets on insert (`NOT NULL DEFAULT now()`). */
export const insertedAt = <N extends string>(name: N) => timestamptz(name).notNull().defaultNow();

/** The text primary key `id` (ids are made by the app). */
export const textId = () => text('id').primaryKey();

/** A NOT NULL text column naming a row of another table; the row goes when that one is deleted. */
export const cascadeRef = <N extends string>(name: N, parent: () => AnyPgColumn) =>
  text(name).notNull().references(parent, { onDelete: 'cascade' });

/** `created_at`, set on insert. */
export const createdAt = () => insertedAt('created_at');

/** `updated_at`, set on insert; queries that edit a row set it again. */
export const updatedAt = () => insertedAt('updated_at');
