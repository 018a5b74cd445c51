import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { failSessions, getSession, insertSession, listSessionIdsWithStatus } from '../../db/queries/sessions';
import type { EventBus } from '../bus';
import { runBisect } from '../engine/bisect/session';
import { validateBisectRequest, type BisectRequest } from '../engine/bisect/validate';
import { recipeSchema, type RecipeInput } from '../engine/recipe';
import { UserInputError, type Executor } from '../engine/types';
import { generateDemoRepo } from '../demo/generate';
import { SessionRecorder } from '../wiring';

export interface CreateSessionInput extends BisectRequest {
  recipe: RecipeInput;
  title?: string | undefined;
}

export interface SessionServiceOptions {
  db: Db;
  bus: EventBus;
  dataDir: string;
  /** Resolves a phase's `on` to an executor; throws UserInputError for unknown hosts. */
  executorFor: (on: string) => Executor;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Starts, tracks and cancels bisect sessions. Routers call this; it never renders. */
export class SessionService {
  private readonly running = new Map<string, Running>();

  constructor(private readonly o: SessionServiceOptions) {}

  async create(input: CreateSessionInput): Promise<{ id: string }> {
    const recipe = parseRecipe(input.recipe);
    for (const phase of recipe.phases) this.o.executorFor(phase.on);
    const request = await validateBisectRequest(input);
    const id = randomUUID();
    await insertSession(this.o.db, {
      id,
      status: 'running',
      title: input.title?.trim() || `${path.basename(request.repoPath)}: ${input.good[0]}..${input.bad}`,
      repoPath: request.repoPath,
      bad: input.bad.trim(),
      good: input.good.map((g) => g.trim()),
      badSha: request.badSha,
      goodShas: request.goodShas,
      termOld: request.terms.old,
      termNew: request.terms.new,
      firstParent: request.firstParent,
      paths: request.paths,
      recipe: input.recipe,
    });
    const controller = new AbortController();
    const recorder = new SessionRecorder(this.o.db, this.o.bus, id, 0);
    const done = runBisect(
      {
        sessionId: id,
        request,
        recipe,
        worktree: path.join(this.o.dataDir, 'worktrees', id),
        scratchDir: path.join(this.o.dataDir, 'scratch', id),
      },
      { sink: recorder, executorFor: this.o.executorFor, signal: controller.signal },
    )
      .then(() => recorder.flush())
      .catch((error: unknown) => console.error(`session ${id} could not record its end:`, error))
      .finally(() => this.running.delete(id));
    this.running.set(id, { controller, done });
    return { id };
  }

  /** Generates (or reuses) the demo repository and bisects it with its recipe. */
  async startDemo(): Promise<{ id: string }> {
    const demo = await generateDemoRepo(path.join(this.o.dataDir, 'demo', 'linux-demo'));
    return this.create({
      title: 'Demo: virtio network hang (v5.10..v5.15)',
      repoPath: demo.dir,
      bad: 'v5.15',
      good: ['v5.10'],
      recipe: demo.recipe,
    });
  }

  /** Kills the running step now; the session ends as cancelled. */
  async cancel(id: string): Promise<{ cancelled: boolean }> {
    const run = this.running.get(id);
    if (!run) {
      if (!(await getSession(this.o.db, id))) throw new UserInputError(`no session ${id}`, 'id');
      return { cancelled: false };
    }
    run.controller.abort();
    await run.done;
    return { cancelled: true };
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Sessions a previous process left running cannot be driven any more: say so. */
  async markOrphans(): Promise<void> {
    const ids = (await listSessionIdsWithStatus(this.o.db, 'running')).filter((id) => !this.running.has(id));
    await failSessions(this.o.db, ids, 'the server stopped while this session was running; start it again');
  }

  /** Cancels every running session and waits for their ends to be stored. */
  async shutdown(): Promise<void> {
    for (const r of this.running.values()) r.controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

export function parseRecipe(recipe: unknown) {
  const parsed = recipeSchema.safeParse(recipe);
  if (!parsed.success) {
    throw new UserInputError(`recipe: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`, 'recipe');
  }
  return parsed.data;
}
