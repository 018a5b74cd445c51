/**
 * The database schema, one file per area; import tables and row types from
 * here (`db/schema`). drizzle-kit reads this file (drizzle.config.ts).
 */
export * from './sessions';
export * from './auth';
export * from './hosts';
export * from './runners';
export * from './shares';
export * from './transfers';
export * from './webhooks';
