import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { BisectResult, CommitInfo, EngineEvent, StrategyView, SuspectRuns } from '../../server/engine/events';
import type { StrategySpec, TestSlot } from '../../server/engine/strategy/spec';
import type { RecipeInput } from '../../server/engine/recipe';
import { users } from './auth';
import { cascadeRef, createdAt, insertedAt, textId, timestamptz, updatedAt } from './columns';

/** `running` and `paused` sessions are resumed when the server starts. */
export type SessionStatus = 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
export type StepState = 'running' | 'done' | 'interrupted';
export type StepKind = 'bisect' | 'check' | 'verify';
export type SessionOrigin = 'run' | 'import';

/** A bisect session: what the user asked for and where it stands now. */
export const sessions = pgTable(
  'sessions',
  {
    id: textId(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamptz('finished_at'),
    status: text('status').$type<SessionStatus>().notNull(),
    title: text('title').notNull(),
    repoPath: text('repo_path').notNull(),
    bad: text('bad').notNull(),
    good: jsonb('good').$type<string[]>().notNull(),
    badSha: text('bad_sha').notNull(),
    goodShas: jsonb('good_shas').$type<string[]>().notNull(),
    termOld: text('term_old').notNull().default('good'),
    termNew: text('term_new').notNull().default('bad'),
    firstParent: boolean('first_parent').notNull().default(false),
    paths: jsonb('paths').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    recipe: jsonb('recipe').$type<RecipeInput>().notNull(),
    rangeSize: integer('range_size'),
    initialSuspect: jsonb('initial_suspect').$type<SuspectRuns>(),
    revisionsLeft: integer('revisions_left'),
    stepsLeft: integer('steps_left'),
    result: jsonb('result').$type<BisectResult>(),
    bisectLog: text('bisect_log').notNull().default(''),
    error: text('error'),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    /** Test the good and bad refs before bisecting. */
    checkEndpoints: boolean('check_endpoints').notNull().default(true),
    /** How the session came to be: run here by the engine, or imported from a `git bisect log`. */
    origin: text('origin').$type<SessionOrigin>().notNull().default('run'),
    /** How verdicts are weighed and commits chosen: git's exact rules, or Bayes for a flaky reproducer. */
    strategy: jsonb('strategy').$type<StrategySpec>().notNull().default(sql`'{"kind":"git"}'::jsonb`),
    /** Test slots (role → host maps); null = one slot, phases name hosts directly. */
    slots: jsonb('slots').$type<TestSlot[]>(),
    /** The strategy's latest view (best commit, rates, posterior band), for the page. */
    strategyView: jsonb('strategy_view').$type<StrategyView>(),
    /** The runner that owns the session now (it alone may write its events), and since when. */
    runnerId: text('runner_id'),
    runnerSince: timestamptz('runner_since'),
    /** Fencing token: raised by every claim; a write carrying an older token is refused. */
    leaseToken: bigint('lease_token', { mode: 'number' }).notNull().default(0),
    /** The owner's lease ends here unless its heartbeat renews it. */
    leaseExpiresAt: timestamptz('lease_expires_at'),
    /** The session this one continues (a host-side bisect after a guest-side culprit). */
    parentId: text('parent_id').references((): AnyPgColumn => sessions.id, { onDelete: 'set null' }),
    /** The user who started it (null: from before owners were recorded, the demo or an import by the admin). */
    createdBy: text('created_by').references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
  },
  (t) => [index('sessions_created_idx').on(t.createdAt)],
);

/** `session_id`: the session a row belongs to, deleted with it. */
export const sessionRef = () => cascadeRef('session_id', () => sessions.id);

/** The key of a row about one phase of one step: session, step, phase. */
export const phaseKey = () => ({
  sessionId: sessionRef(),
  step: integer('step').notNull(),
  phase: integer('phase').notNull(),
});

/** One tested commit. */
export const steps = pgTable(
  'steps',
  {
    sessionId: sessionRef(),
    step: integer('step').notNull(),
    commit: jsonb('commit').$type<CommitInfo>().notNull(),
    position: integer('position').notNull(),
    revisionsLeft: integer('revisions_left').notNull(),
    stepsLeft: integer('steps_left').notNull(),
    verdict: text('verdict').$type<'good' | 'bad' | 'skip'>(),
    term: text('term'),
    reason: text('reason'),
    suspect: jsonb('suspect').$type<SuspectRuns>(),
    startedAt: insertedAt('started_at'),
    ms: integer('ms'),
    /** `check` steps test the given good/bad refs before bisecting; they are not marked in git. */
    kind: text('kind').$type<StepKind>().notNull().default('bisect'),
    /** What the check expects (`good` or `bad`), for check steps. */
    expect: text('expect').$type<'good' | 'bad'>(),
    state: text('state').$type<StepState>().notNull().default('running'),
    /** Why the step stopped early (server restart, retry, manual verdict). */
    interruptedBy: text('interrupted_by'),
    /** The verdict was given by a person, not by the recipe. */
    manual: boolean('manual').notNull().default(false),
    /** A later change of an earlier verdict made this step moot; kept for history. */
    superseded: boolean('superseded').notNull().default(false),
    /** Test slot (0-based) that ran the step; null for sessions without slots. */
    slot: integer('slot'),
    /** The recipe's patches at this step: applied, already contained, or the one that failed. */
    patches: jsonb('patches').$type<{ applied: string[]; contained: string[]; failed?: { patch: string; message: string } }>(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.step] })],
);

/** One phase of one step. */
export const phaseRuns = pgTable(
  'phase_runs',
  {
    ...phaseKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    on: text('on').notNull(),
    status: text('status').$type<'running' | 'passed' | 'failed' | 'timedOut' | 'cancelled' | 'interrupted'>().notNull(),
    outcome: text('outcome').$type<'pass' | 'bad' | 'skip' | 'abort'>(),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    reason: text('reason'),
    lineCount: integer('line_count').notNull().default(0),
    startedAt: insertedAt('started_at'),
    ms: integer('ms'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.step, t.phase] })],
);

/**
 * Append-only event log of a session, numbered by a per-session sequence. Output
 * lines are stored here in capped batches; streams resume from a sequence number.
 */
export const events = pgTable(
  'events',
  {
    sessionId: sessionRef(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').$type<EngineEvent['type']>().notNull(),
    step: integer('step'),
    phase: integer('phase'),
    payload: jsonb('payload').$type<EngineEvent>().notNull(),
    at: insertedAt('at'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.seq] }), index('events_phase_idx').on(t.sessionId, t.step, t.phase, t.seq)],
);

export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
export type Step = typeof steps.$inferSelect;
export type PhaseRun = typeof phaseRuns.$inferSelect;
export type StoredEvent = typeof events.$inferSelect;
