import { mkdir } from 'node:fs/promises';
import { openDb, type DbHandle } from '../db/client';
import { EventBus } from './bus';
import { LocalExecutor } from './engine/executors/local';
import { UserInputError, type Executor } from './engine/types';
import { readConfig, type ServerConfig } from './env';
import { SessionService } from './sessions/service';

export interface Runtime {
  config: ServerConfig;
  db: DbHandle;
  bus: EventBus;
  sessions: SessionService;
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  config: ServerConfig;
}

/** Builds the long-lived parts once: database, event bus, executors, session service. */
export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  await mkdir(o.config.dataDir, { recursive: true });
  const db = await openDb({ databaseUrl: o.config.databaseUrl, dataDir: o.config.dataDir });
  const bus = new EventBus();
  const local = new LocalExecutor();
  const executorFor = (on: string): Executor => {
    if (on === 'local') return local;
    throw new UserInputError(`phase runs on unknown host \`${on}\`: add it on the Hosts page or use "local"`, 'recipe');
  };
  const sessions = new SessionService({ db: db.db, bus, dataDir: o.config.dataDir, executorFor });
  await sessions.markOrphans();
  return {
    config: o.config,
    db,
    bus,
    sessions,
    async shutdown() {
      await sessions.shutdown();
      await db.close();
    },
  };
}

const globalKey = Symbol.for('bisect-dashboard.runtime');
type GlobalWithRuntime = typeof globalThis & { [globalKey]?: Promise<Runtime> };

/**
 * The process-wide runtime. Next.js loads modules twice (instrumentation and
 * route bundles), so the singleton lives on globalThis.
 */
export function getRuntime(): Promise<Runtime> {
  const g = globalThis as GlobalWithRuntime;
  g[globalKey] ??= createRuntime({ config: readConfig() }).catch((error: unknown) => {
    delete g[globalKey];
    throw error;
  });
  return g[globalKey];
}
